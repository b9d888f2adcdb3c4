# callrecord_fdw: PGXS build

MODULE_big = callrecord_fdw
OBJS = \
	src/fdw.o \
	src/option.o \
	src/import.o \
	src/plan.o \
	src/reqplan.o \
	src/scan.o \
	src/convert.o \
	src/http.o \
	src/pacing.o \
	src/json.o \
	src/sign.o \
	src/stats.o \
	src/provider.o \
	src/providers/ucloud.o \
	src/providers/ucloud_sign.o \
	src/providers/msgraph.o \
	src/providers/msgraph_auth.o \
	src/providers/alibaba.o \
	src/providers/alibaba_sign.o \
	src/providers/tencent.o \
	src/providers/tencent_sign.o

EXTENSION = callrecord_fdw
DATA = sql/callrecord_fdw--1.0.sql sql/callrecord_fdw--1.0--1.1.sql
PGFILEDESC = "callrecord_fdw - foreign data wrapper for vendor call-record APIs"

REGRESS = options import explain version
REGRESS_OPTS = --load-extension=callrecord_fdw

PG_CPPFLAGS = -I$(srcdir)/src
PG_CFLAGS = -Werror
SHLIB_LINK = -lcurl -lssl -lcrypto

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# every object depends on the headers: a changed struct must never meet
# objects compiled against the old layout
$(OBJS): $(wildcard $(srcdir)/src/*.h $(srcdir)/src/providers/*.h)
