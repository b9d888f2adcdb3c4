# test/pgfrontend.mk
#
# Where PostgreSQL's headers and frontend static libraries are, for the
# frontend test builds (test/unit, test/fuzz).  Included by their makefiles.

PG_CONFIG ?= pg_config

PG_INCLUDEDIR := $(shell $(PG_CONFIG) --includedir)
PG_INCLUDEDIR_SERVER := $(shell $(PG_CONFIG) --includedir-server)
PG_LIBDIR := $(shell $(PG_CONFIG) --libdir)
PG_PKGLIBDIR := $(shell $(PG_CONFIG) --pkglibdir)

# libpgcommon.a and libpgport.a are in libdir on a source build, but
# Debian's postgresql-server-dev puts them in pkglibdir
# (/usr/lib/postgresql/15/lib).
PG_STATICLIBDIR := $(firstword $(foreach d,$(PG_LIBDIR) $(PG_PKGLIBDIR),\
	$(if $(wildcard $(d)/libpgcommon.a),$(d))))

SRCDIR = ../../src
