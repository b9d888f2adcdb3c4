/*-------------------------------------------------------------------------
 *
 * fuzz_options.c
 *		  libFuzzer target for the parsers of option values and of the
 *		  durations a vendor sends.
 *
 * The option table, enum_accepts(), cr_parse_id_list() and check_value()
 * are those of src/option.c, taken from it at build time, so each input
 * is checked by the validator's own code for every option of the table.
 * Around them, in this file: defGetString() reads the value, ereport(ERROR)
 * jumps back here as a rejection, lappend() builds a List as pg_list.h
 * lays it out, and parse_int()/parse_real() are those of PostgreSQL 15's
 * guc.c for flags 0 (an option without units), which the frontend
 * libraries do not have.  pg_tzset() is in no frontend library either
 * (src/timezone/pgtz.c is built into the server only), so time zone
 * names are not fuzzed: the stub below accepts every name.
 *
 * The input is the value, up to its first NUL.  Checks: the validator
 * accepts a value exactly when an independent reading of the option's
 * rule does (non-empty; an http(s) URL without white space; one of the
 * enum's words; a number in range; a list of 1 to 18 digit positive
 * integers with optional spaces around the commas), and
 * cr_parse_id_list() returns the list the reference reads.
 *
 * Durations: the input is also the value of a Retry-After header (seconds
 * or an HTTP-date), of Alibaba's x-acs-retry-after (milliseconds) and of a
 * request id header, and the whole input, cut in lines as libcurl cuts
 * headers, goes to the transport's header callback (src/http.c) for each
 * provider's request id header (up to a line with a NUL byte, which
 * libcurl refuses: "Nul byte in header").  A Retry-After found is finite and not
 * negative, and the back-off computed from it (cr_backoff_us of
 * src/pacing.c) is within 0 .. 300 s; a request id is 1 .. 255 bytes.
 *
 * IDENTIFICATION
 *		  test/fuzz/fuzz_options.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>

#include "common/pg_prng.h"

#include "callrecord_fdw.h"
#include "fuzz_common.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ------------------------------------------------------------------------
 * What src/option.c needs from the backend
 * ------------------------------------------------------------------------
 */

/* check_value() reads its DefElem only through defGetString() */
typedef const char DefElem;

#define defGetString(def) ((const char *) (def))

/* check_value() raises only ERRORs: a rejection */
static jmp_buf reject;

#define ereport(elevel, ...) longjmp(reject, 1)

static bool parse_int(const char *value, int *result, int flags,
					  const char **hintmsg);
static bool parse_real(const char *value, double *result, int flags,
					   const char **hintmsg);

/* not fuzzed: every name is a time zone */
#define pg_tzset(name) ((const void *) (name))
#define pg_tz_acceptable(tz) true

List	   *lappend(List *list, void *datum);

#include "gen/option_fe.inc"

#include "gen/pacing_fe.inc"

/*
 * guc.c of PostgreSQL 15, parse_int(), for flags 0: an integer (octal and
 * hex allowed) or a float rounded to one, white space after it, no unit.
 */
static bool
parse_int(const char *value, int *result, int flags, const char **hintmsg)
{
	double		val;
	char	   *endptr;

	if (result)
		*result = 0;
	if (hintmsg)
		*hintmsg = NULL;

	errno = 0;
	val = strtol(value, &endptr, 0);
	if (*endptr == '.' || *endptr == 'e' || *endptr == 'E' ||
		errno == ERANGE)
	{
		errno = 0;
		val = strtod(value, &endptr);
	}

	if (endptr == value || errno == ERANGE)
		return false;
	if (isnan(val))
		return false;
	while (isspace((unsigned char) *endptr))
		endptr++;
	if (*endptr != '\0')
		return false;			/* flags 0: no unit */

	val = rint(val);
	if (val > INT_MAX || val < INT_MIN)
		return false;
	if (result)
		*result = (int) val;
	return true;
}

/* guc.c of PostgreSQL 15, parse_real(), for flags 0 */
static bool
parse_real(const char *value, double *result, int flags, const char **hintmsg)
{
	double		val;
	char	   *endptr;

	if (result)
		*result = 0;
	if (hintmsg)
		*hintmsg = NULL;

	errno = 0;
	val = strtod(value, &endptr);

	if (endptr == value || errno == ERANGE)
		return false;
	if (isnan(val))
		return false;
	while (isspace((unsigned char) *endptr))
		endptr++;
	if (*endptr != '\0')
		return false;			/* flags 0: no unit */
	if (result)
		*result = val;
	return true;
}

/* lappend() of pg_list.h's List, for cr_parse_id_list() */
List *
lappend(List *list, void *datum)
{
	if (list == NIL)
	{
		list = palloc(offsetof(List, initial_elements) + 4 * sizeof(ListCell));
		list->type = T_List;
		list->length = 0;
		list->max_length = 4;
		list->elements = list->initial_elements;
	}
	else if (list->length == list->max_length)
	{
		ListCell   *cells = palloc(sizeof(ListCell) * list->max_length * 2);

		memcpy(cells, list->elements, sizeof(ListCell) * list->length);
		if (list->elements != list->initial_elements)
			pfree(list->elements);
		list->elements = cells;
		list->max_length *= 2;
	}
	list->elements[list->length++].ptr_value = datum;
	return list;
}

/* ------------------------------------------------------------------------
 * Reference readings of the rules
 * ------------------------------------------------------------------------
 */

/* The ids of a list, or -1 when it is not one. */
static int
ref_id_list(const char *s, char ***items)
{
	int			n = 0;
	int			max = 4;
	const char *p = s;

	*items = palloc(sizeof(char *) * max);
	for (;;)
	{
		const char *end = strchr(p, ',');
		size_t		len = end ? (size_t) (end - p) : strlen(p);
		size_t		a = 0;
		size_t		b = len;
		size_t		i;
		bool		nonzero = false;

		/* spaces (only spaces) around the item */
		while (a < b && p[a] == ' ')
			a++;
		while (b > a && p[b - 1] == ' ')
			b--;
		if (b == a || b - a > 18)
			return -1;
		for (i = a; i < b; i++)
		{
			if (p[i] < '0' || p[i] > '9')
				return -1;
			if (p[i] != '0')
				nonzero = true;
		}
		if (!nonzero)
			return -1;
		if (n == max)
		{
			max *= 2;
			*items = repalloc(*items, sizeof(char *) * max);
		}
		(*items)[n++] = pnstrdup(p + a, b - a);
		if (end == NULL)
			break;
		p = end + 1;
	}
	return n;
}

/* Is v one of the words of an enum's "a, b, c"? */
static bool
ref_enum(const char *values, const char *v)
{
	char	   *copy = pstrdup(values);
	char	   *word;
	char	   *save;

	for (word = strtok_r(copy, ",", &save); word; word = strtok_r(NULL, ",", &save))
	{
		while (*word == ' ')
			word++;
		if (strcmp(word, v) == 0)
			return true;
	}
	return false;
}

static bool
ref_accepts(const CrOptionDef *opt, const char *value)
{
	char	  **items;

	if (value[0] == '\0')
		return false;
	switch (opt->type)
	{
		case OPT_STRING:
		case OPT_FILE:
		case OPT_TIMEZONE:		/* the stub accepts every name */
			return true;
		case OPT_URL:
			return (pg_strncasecmp(value, "https://", 8) == 0 ||
					pg_strncasecmp(value, "http://", 7) == 0) &&
				strpbrk(value, " \t\r\n") == NULL;
		case OPT_ENUM:
			return ref_enum(opt->values, value);
		case OPT_INT:
			{
				int			ival;

				return parse_int(value, &ival, 0, NULL) &&
					ival >= opt->min && ival <= opt->max;
			}
		case OPT_REAL:
			{
				double		rval;

				return parse_real(value, &rval, 0, NULL) && isfinite(rval) &&
					rval >= opt->min && rval <= opt->max;
			}
		case OPT_ID_LIST:
			return ref_id_list(value, &items) > 0;
	}
	FZ_CHECK(!"an option type the reference does not know");
	return false;
}

/* Does the validator's check_value() take value for opt? */
static bool
validator_accepts(const CrOptionDef *opt, const char *value)
{
	if (setjmp(reject) != 0)
		return false;
	check_value(opt, (DefElem *) value);
	return true;
}

static void
check_options(const char *value)
{
	const CrOptionDef *opt;
	List	   *ids = NIL;
	char	  **items;
	int			n;
	bool		ok;

	for (opt = cr_options; opt->name; opt++)
	{
		bool		accepted = validator_accepts(opt, value);

		if (accepted != ref_accepts(opt, value))
			fz_fail(__FILE__, __LINE__,
					psprintf("option \"%s\": the validator %s \"%s\"",
							 opt->name, accepted ? "accepts" : "rejects",
							 value));
		if (accepted && opt->type == OPT_INT)
		{
			int			ival;

			/* cr_get_options() reads it with parse_int() again */
			FZ_CHECK(parse_int(value, &ival, 0, NULL));
			FZ_CHECK(ival >= opt->min && ival <= opt->max);
		}
	}

	/* the list itself, as tencent_default_values() reads sdk_app_ids */
	ok = cr_parse_id_list(value, &ids);
	n = ref_id_list(value, &items);
	FZ_CHECK(ok == (n > 0));
	if (ok)
	{
		int			i;

		FZ_CHECK(list_length(ids) == n);
		for (i = 0; i < n; i++)
			FZ_CHECK(strcmp((char *) list_nth(ids, i), items[i]) == 0);
	}
	FZ_CHECK(cr_parse_id_list(value, NULL) == ok);
}

/* ------------------------------------------------------------------------
 * Durations
 * ------------------------------------------------------------------------
 */

static const char *const request_id_headers[] = {
	NULL, "X-UCLOUD-REQUEST-UUID", "request-id"
};

static void
check_header(const char *rid_header, const char *line, size_t len,
			 int attempt)
{
	double		ra;
	char	   *rid;
	int64		wait;

	fz_header_line(rid_header, line, len, &ra, &rid);
	FZ_CHECK(ra == -1 || (ra >= 0 && isfinite(ra)));
	if (rid)
	{
		size_t		l = strlen(rid);

		FZ_CHECK(rid_header != NULL);
		FZ_CHECK(l >= 1 && l < 256);
		FZ_CHECK(rid[l - 1] != '\r' && rid[l - 1] != '\n');
	}
	wait = cr_backoff_us(attempt, ra);
	if (ra >= 0)
		FZ_CHECK(wait >= 0 && wait <= 300 * INT64CONST(1000000));
	else
		FZ_CHECK(wait >= 0 && wait <= 25 * INT64CONST(1000000));
}

static void
check_durations(const char *value, const uint8 *data, size_t size)
{
	static const char *const names[] = {
		"Retry-After", "retry-after", "x-acs-retry-after", "request-id",
		"X-UCLOUD-REQUEST-UUID"
	};
	int			attempt = 1 + (size > 0 ? data[0] % 101 : 0);
	int			i;
	int			h;
	size_t		start;

	for (i = 0; i < lengthof(names); i++)
	{
		char	   *line = psprintf("%s: %s\r\n", names[i], value);

		for (h = 0; h < lengthof(request_id_headers); h++)
			check_header(request_id_headers[h], line, strlen(line), attempt);
	}

	/* the raw input as header lines, cut after each LF as libcurl does */
	start = 0;
	while (start < size)
	{
		const uint8 *lf = memchr(data + start, '\n', size - start);
		size_t		len = lf ? (size_t) (lf - (data + start)) + 1 : size - start;

		/* libcurl fails a response with a NUL in a header line */
		if (memchr(data + start, '\0', len) != NULL)
			break;
		for (h = 0; h < lengthof(request_id_headers); h++)
			check_header(request_id_headers[h], (const char *) data + start,
						 len, attempt);
		start += len;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *value;

	fz_begin();
	value = pnstrdup((const char *) data, size);
	check_options(value);
	check_durations(value, data, size);
	fz_end();
	return 0;
}
