# test/unit/json.mk
#
# Frontend unit tests of the JSON walker (src/json.c): no server, no
# network.  Kept apart from the Makefile of the signing tests.
#
#   make -f json.mk run-json     build test_json and run it
#   make -f json.mk clean-json   remove what the build made


include $(dir $(lastword $(MAKEFILE_LIST)))../pgfrontend.mk

JSON_CPPFLAGS = -DFRONTEND -I$(PG_INCLUDEDIR) -I$(PG_INCLUDEDIR_SERVER) \
	-I$(SRCDIR)
JSON_CFLAGS = -g -O2 -Wall -Werror -Wmissing-prototypes \
	-Wdeclaration-after-statement
JSON_LIBS = $(PG_STATICLIBDIR)/libpgcommon.a $(PG_STATICLIBDIR)/libpgport.a \
	-lssl -lcrypto -lm

JSON_OBJS = test_json.o json_fe.o

.PHONY: all-json run-json clean-json check-json-libs

all-json: test_json

run-json: test_json
	./test_json

check-json-libs:
	@if [ -z "$(PG_STATICLIBDIR)" ]; then \
		echo "libpgcommon.a not found in $(PG_LIBDIR) or $(PG_PKGLIBDIR)" >&2; \
		exit 1; \
	fi

test_json: $(JSON_OBJS) | check-json-libs
	$(CC) $(JSON_CFLAGS) -o $@ $(JSON_OBJS) $(JSON_LIBS)

test_json.o: test_json.c $(SRCDIR)/callrecord_fdw.h
	$(CC) $(JSON_CPPFLAGS) $(JSON_CFLAGS) -c -o $@ $<

# json_fe.o, not json.o: a frontend object must not be mistaken for the
# backend one that PGXS builds in src/
json_fe.o: $(SRCDIR)/json.c $(SRCDIR)/callrecord_fdw.h
	$(CC) $(JSON_CPPFLAGS) $(JSON_CFLAGS) -c -o $@ $<

clean-json:
	rm -f test_json $(JSON_OBJS)
