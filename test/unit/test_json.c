/*-------------------------------------------------------------------------
 *
 * test_json.c
 *		  Frontend unit tests of the JSON response walker (src/json.c).
 *
 * Each failed check prints one line; the last line is "N passed, N failed"
 * and the exit status is non-zero when anything failed.
 *
 * IDENTIFICATION
 *		  test/unit/test_json.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <time.h>

#include "common/jsonapi.h"

#include "callrecord_fdw.h"

static int	npassed = 0;
static int	nfailed = 0;

static void
check(bool ok, const char *test, const char *what)
{
	if (ok)
		npassed++;
	else
	{
		nfailed++;
		printf("FAIL %s: %s\n", test, what);
	}
}

/* Does v hold str with type? str NULL: no text. */
static void
check_value(const CrJsonValue *v, const char *str, int type,
			const char *test, const char *what)
{
	bool		ok;

	if (str == NULL)
		ok = v->str == NULL && v->type == type;
	else
		ok = v->str != NULL && strcmp(v->str, str) == 0 && v->type == type;
	if (!ok)
	{
		nfailed++;
		printf("FAIL %s: %s: got type %d \"%s\", want type %d \"%s\"\n",
			   test, what, v->type, v->str ? v->str : "(null)",
			   type, str ? str : "(null)");
	}
	else
		npassed++;
}

static void
check_error(const CrJsonResult *res, bool ok, const char *prefix,
			const char *test)
{
	if (ok || res->error == NULL ||
		strncmp(res->error, prefix, strlen(prefix)) != 0)
	{
		nfailed++;
		printf("FAIL %s: want error \"%s...\", got %s \"%s\"\n",
			   test, prefix, ok ? "success" : "failure",
			   res->error ? res->error : "(no error)");
	}
	else
		npassed++;
}

/*
 * Parse doc from a buffer of exactly its length (no NUL after it), so the
 * walker cannot lean on a terminator.
 */
static bool
parse(const char *doc, size_t len, const CrJsonSpec *spec,
	  CrJsonResult *res)
{
	char	   *buf = palloc(len > 0 ? len : 1);
	bool		ok;

	memcpy(buf, doc, len);
	ok = cr_json_parse(buf, len, spec, res);
	pfree(buf);
	return ok;
}

static bool
parse_str(const char *doc, const CrJsonSpec *spec, CrJsonResult *res)
{
	return parse(doc, strlen(doc), spec, res);
}

static const CrJsonValue *
val(const CrJsonResult *res, const CrJsonSpec *spec, int row, int field)
{
	return &res->values[row * spec->nfields + field];
}

/* ------------------------------------------------------------------------ */

static const char *const ucloud_env[] = {"RetCode", "Message", "Total",
"Count", "Action"};

static const char *const ucloud_fields[] = {
	"CallId",					/* 0 */
	"Duration",					/* 1 */
	"StartTime",				/* 2 */
	"Caller",					/* 3 */
	"Callee",					/* 4 */
	"Extra",					/* 5 */
	"Tag",						/* 6 */
	"Missing",					/* 7 */
	"Ok",						/* 8 */
	"CallId",					/* 9: a second column on the same field */
	"Tags"						/* 10 */
};

static const char ucloud_page[] =
"{\"RetCode\":0,\"Action\":\"GetCallRecordsResponse\",\"Total\":3,"
"\"Data\":["
"{\"CallId\":\"c1\",\"Duration\":12.5,\"StartTime\":1767225600123.0,"
"\"Caller\":\"Jos\\u00e9 \\\"J\\\" \\\\ \\/\",\"Callee\":\"\xe5\x8c\x97\xe4\xba\xac\","
"\"Extra\":{\"a\": [1, 2], \"b\":{\"c\":null}},\"Tag\":null,\"Ok\":true,"
"\"Tags\":[\"x\",{\"y\":1}]},\n"
"  {\"CallId\":\"c2\",\"Duration\":0,\"StartTime\":1767225600,"
"\"Caller\":\"x\",\"Sub\":{\"Callee\":\"deep\",\"CallId\":\"inner\"}},\n"
"  {\"Duration\":-1.5e3,\"Ok\":false,\"Extra\":[],\"Tag\":\"\"}"
"]}";

static void
test_ucloud_success(void)
{
	const char *t = "ucloud success";
	CrJsonSpec	spec = {"Data", ucloud_env, lengthof(ucloud_env),
	ucloud_fields, lengthof(ucloud_fields), true};
	CrJsonResult res;
	bool		ok = parse_str(ucloud_page, &spec, &res);
	const char *rec0;
	const char *rec0_end;

	check(ok && res.error == NULL, t, res.error ? res.error : "parse failed");
	if (!ok)
		return;
	check(res.records_found, t, "records_found");
	check(res.nrows == 3, t, "nrows == 3");
	if (res.nrows != 3)
		return;

	check_value(&res.env[0], "0", JSON_TOKEN_NUMBER, t, "RetCode");
	check_value(&res.env[1], NULL, CR_JSON_ABSENT, t, "Message absent");
	check_value(&res.env[2], "3", JSON_TOKEN_NUMBER, t, "Total");
	check_value(&res.env[3], NULL, CR_JSON_ABSENT, t, "Count absent");
	check_value(&res.env[4], "GetCallRecordsResponse", JSON_TOKEN_STRING,
				t, "Action");

	/* row 0 */
	check_value(val(&res, &spec, 0, 0), "c1", JSON_TOKEN_STRING, t, "0 CallId");
	check_value(val(&res, &spec, 0, 1), "12.5", JSON_TOKEN_NUMBER, t,
				"0 Duration float");
	check_value(val(&res, &spec, 0, 2), "1767225600123.0", JSON_TOKEN_NUMBER,
				t, "0 StartTime kept as sent");
	check_value(val(&res, &spec, 0, 3), "Jos\xc3\xa9 \"J\" \\ /",
				JSON_TOKEN_STRING, t, "0 Caller de-escaped");
	check_value(val(&res, &spec, 0, 4), "\xe5\x8c\x97\xe4\xba\xac",
				JSON_TOKEN_STRING, t, "0 Callee non-ASCII");
	check_value(val(&res, &spec, 0, 5), "{\"a\": [1, 2], \"b\":{\"c\":null}}",
				CR_JSON_OBJECT, t, "0 Extra raw object");
	check_value(val(&res, &spec, 0, 6), NULL, JSON_TOKEN_NULL, t, "0 Tag null");
	check_value(val(&res, &spec, 0, 7), NULL, CR_JSON_ABSENT, t,
				"0 Missing absent");
	check_value(val(&res, &spec, 0, 8), "true", JSON_TOKEN_TRUE, t, "0 Ok");
	check_value(val(&res, &spec, 0, 9), "c1", JSON_TOKEN_STRING, t,
				"0 CallId second column");
	check(val(&res, &spec, 0, 9)->str != val(&res, &spec, 0, 0)->str, t,
		  "second column has its own copy");
	check_value(val(&res, &spec, 0, 10), "[\"x\",{\"y\":1}]", CR_JSON_ARRAY,
				t, "0 Tags raw array");

	/* row 1: keys nested under Sub are not the record's */
	check_value(val(&res, &spec, 1, 0), "c2", JSON_TOKEN_STRING, t, "1 CallId");
	check_value(val(&res, &spec, 1, 2), "1767225600", JSON_TOKEN_NUMBER, t,
				"1 StartTime");
	check_value(val(&res, &spec, 1, 4), NULL, CR_JSON_ABSENT, t,
				"1 nested Callee not matched");
	check_value(val(&res, &spec, 1, 9), "c2", JSON_TOKEN_STRING, t,
				"1 CallId second column");

	/* row 2 */
	check_value(val(&res, &spec, 2, 0), NULL, CR_JSON_ABSENT, t,
				"2 CallId absent");
	check_value(val(&res, &spec, 2, 9), NULL, CR_JSON_ABSENT, t,
				"2 CallId second column absent");
	check_value(val(&res, &spec, 2, 1), "-1.5e3", JSON_TOKEN_NUMBER, t,
				"2 Duration exponent");
	check_value(val(&res, &spec, 2, 5), "[]", CR_JSON_ARRAY, t,
				"2 Extra empty array");
	check_value(val(&res, &spec, 2, 6), "", JSON_TOKEN_STRING, t,
				"2 Tag empty string");
	check_value(val(&res, &spec, 2, 8), "false", JSON_TOKEN_FALSE, t, "2 Ok");

	/* raw text of each record, exactly as sent */
	check(res.raw != NULL, t, "raw kept");
	if (res.raw == NULL)
		return;
	rec0 = strstr(ucloud_page, "{\"CallId\":\"c1\"");
	rec0_end = strstr(ucloud_page, "]},\n") + 2;
	check(res.raw[0] != NULL &&
		  strlen(res.raw[0]) == (size_t) (rec0_end - rec0) &&
		  strncmp(res.raw[0], rec0, rec0_end - rec0) == 0,
		  t, "raw[0] is the first record's text");
	check(res.raw[2] != NULL &&
		  strcmp(res.raw[2],
				 "{\"Duration\":-1.5e3,\"Ok\":false,\"Extra\":[],\"Tag\":\"\"}") == 0,
		  t, "raw[2] is the last record's text");
}

static void
test_no_raw_no_fields(void)
{
	const char *t = "no raw, no fields";
	CrJsonSpec	spec = {"Data", ucloud_env, lengthof(ucloud_env), NULL, 0, false};
	CrJsonResult res;
	bool		ok = parse_str(ucloud_page, &spec, &res);

	check(ok, t, res.error ? res.error : "parse failed");
	check(res.nrows == 3, t, "nrows == 3");
	check(res.raw == NULL, t, "raw not kept");
}

static void
test_graph_page(void)
{
	const char *t = "graph page";
	static const char *const env[] = {"@odata.nextLink", "@odata.context",
	"error.code", "error.innerError.request-id", "@odata.count"};
	static const char *const fields[] = {"id", "startDateTime", "organizer",
	"version"};
	CrJsonSpec	spec = {"value", env, lengthof(env), fields, lengthof(fields),
	false};
	CrJsonResult res;
	const char *doc =
	"{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#communications/callRecords\","
	"\"value\":[{\"id\":\"e523d2ed-2966-4b6b-925b-754a88034cc5\","
	"\"version\":1,\"startDateTime\":\"2024-01-01T00:00:00Z\","
	"\"organizer\":{\"user\":{\"id\":\"u1\",\"displayName\":\"A\"}}},"
	"{\"id\":\"b\",\"version\":2,\"organizer\":null}],"
	"\"@odata.nextLink\":\"https://graph.microsoft.com/v1.0/communications/callRecords?$skiptoken=abc%3D\"}";
	bool		ok = parse_str(doc, &spec, &res);

	check(ok, t, res.error ? res.error : "parse failed");
	if (!ok)
		return;
	check(res.records_found && res.nrows == 2, t, "2 records");
	check_value(&res.env[0],
				"https://graph.microsoft.com/v1.0/communications/callRecords?$skiptoken=abc%3D",
				JSON_TOKEN_STRING, t, "@odata.nextLink (a member with a dot)");
	check_value(&res.env[1],
				"https://graph.microsoft.com/v1.0/$metadata#communications/callRecords",
				JSON_TOKEN_STRING, t, "@odata.context");
	check_value(&res.env[2], NULL, CR_JSON_ABSENT, t, "error.code absent");
	check_value(&res.env[3], NULL, CR_JSON_ABSENT, t, "request-id absent");
	check_value(&res.env[4], NULL, CR_JSON_ABSENT, t, "@odata.count absent");
	if (res.nrows != 2)
		return;
	check_value(val(&res, &spec, 0, 0), "e523d2ed-2966-4b6b-925b-754a88034cc5",
				JSON_TOKEN_STRING, t, "0 id");
	check_value(val(&res, &spec, 0, 2),
				"{\"user\":{\"id\":\"u1\",\"displayName\":\"A\"}}",
				CR_JSON_OBJECT, t, "0 organizer raw");
	check_value(val(&res, &spec, 0, 3), "1", JSON_TOKEN_NUMBER, t, "0 version");
	check_value(val(&res, &spec, 1, 1), NULL, CR_JSON_ABSENT, t,
				"1 startDateTime absent");
	check_value(val(&res, &spec, 1, 2), NULL, JSON_TOKEN_NULL, t,
				"1 organizer null");
}

static void
test_graph_error(void)
{
	const char *t = "graph error";
	static const char *const env[] = {"error.code", "error.message",
	"error.innerError.request-id", "error.innerError"};
	CrJsonSpec	spec = {"value", env, lengthof(env), NULL, 0, false};
	CrJsonResult res;
	const char *doc =
	"{\"error\":{\"code\":\"InvalidAuthenticationToken\","
	"\"message\":\"Access token is empty.\","
	"\"innerError\":{\"date\":\"2024-01-01T00:00:00\","
	"\"request-id\":\"8f0e-11\",\"client-request-id\":\"8f0e-11\"}}}";
	bool		ok = parse_str(doc, &spec, &res);

	check(ok, t, res.error ? res.error : "parse failed");
	check(!res.records_found && res.nrows == 0, t, "no records");
	check_value(&res.env[0], "InvalidAuthenticationToken", JSON_TOKEN_STRING,
				t, "error.code");
	check_value(&res.env[1], "Access token is empty.", JSON_TOKEN_STRING,
				t, "error.message");
	check_value(&res.env[2], "8f0e-11", JSON_TOKEN_STRING, t,
				"error.innerError.request-id");
	check_value(&res.env[3],
				"{\"date\":\"2024-01-01T00:00:00\",\"request-id\":\"8f0e-11\",\"client-request-id\":\"8f0e-11\"}",
				CR_JSON_OBJECT, t, "error.innerError raw");
}

static void
test_ucloud_error(void)
{
	const char *t = "ucloud error body";
	CrJsonSpec	spec = {"Data", ucloud_env, lengthof(ucloud_env),
	ucloud_fields, lengthof(ucloud_fields), true};
	CrJsonResult res;
	bool		ok = parse_str("{\"RetCode\":171,\"Message\":\"x\"}", &spec, &res);

	check(ok, t, res.error ? res.error : "parse failed");
	check(!res.records_found, t, "records not found");
	check(res.nrows == 0, t, "no rows");
	check_value(&res.env[0], "171", JSON_TOKEN_NUMBER, t, "RetCode");
	check_value(&res.env[1], "x", JSON_TOKEN_STRING, t, "Message");
	check_value(&res.env[2], NULL, CR_JSON_ABSENT, t, "Total absent");
}

static void
test_tencent_single(void)
{
	const char *t = "tencent single object";
	static const char *const env[] = {"Response.Error.Code",
	"Response.Error.Message", "Response.RequestId", "Response.TotalCount"};
	static const char *const fields[] = {"TotalCount", "RequestId", "Error",
	"CdrList"};
	CrJsonSpec	spec = {"Response", env, lengthof(env), fields,
	lengthof(fields), true};
	CrJsonResult res;
	const char *err =
	"{\"Response\":{\"Error\":{\"Code\":\"AuthFailure.SignatureFailure\","
	"\"Message\":\"The provided credentials could not be validated.\"},"
	"\"RequestId\":\"b5-4a\"}}";
	const char *good =
	"{\"Response\":{\"TotalCount\":2,\"CdrList\":[{\"a\":1},{\"a\":2}],"
	"\"RequestId\":\"c6-5b\"}}";
	bool		ok;

	ok = parse_str(err, &spec, &res);
	check(ok, t, res.error ? res.error : "parse failed");
	check(res.records_found && res.nrows == 1, t, "one record");
	check_value(&res.env[0], "AuthFailure.SignatureFailure", JSON_TOKEN_STRING,
				t, "Response.Error.Code");
	check_value(&res.env[1], "The provided credentials could not be validated.",
				JSON_TOKEN_STRING, t, "Response.Error.Message");
	check_value(&res.env[2], "b5-4a", JSON_TOKEN_STRING, t,
				"Response.RequestId");
	check_value(&res.env[3], NULL, CR_JSON_ABSENT, t, "TotalCount absent");
	if (res.nrows == 1)
	{
		size_t		skip = strlen("{\"Response\":");

		check_value(val(&res, &spec, 0, 1), "b5-4a", JSON_TOKEN_STRING, t,
					"record RequestId");
		check_value(val(&res, &spec, 0, 2),
					"{\"Code\":\"AuthFailure.SignatureFailure\",\"Message\":\"The provided credentials could not be validated.\"}",
					CR_JSON_OBJECT, t, "record Error raw");
		/* the Response object: err without {"Response": and the last } */
		check(res.raw[0] != NULL &&
			  strlen(res.raw[0]) == strlen(err) - skip - 1 &&
			  strncmp(res.raw[0], err + skip, strlen(err) - skip - 1) == 0,
			  t, "raw of the Response object");
	}

	ok = parse_str(good, &spec, &res);
	check(ok, t, res.error ? res.error : "parse failed");
	check(res.nrows == 1, t, "one record (good)");
	check_value(&res.env[0], NULL, CR_JSON_ABSENT, t, "no Error.Code");
	check_value(&res.env[3], "2", JSON_TOKEN_NUMBER, t, "TotalCount");
	if (res.nrows == 1)
		check_value(val(&res, &spec, 0, 3), "[{\"a\":1},{\"a\":2}]",
					CR_JSON_ARRAY, t, "CdrList raw");
}

static void
test_top_level_records(void)
{
	const char *t = "records path \"\"";
	static const char *const fields[] = {"a"};
	static const char *const env[] = {"a"};
	CrJsonSpec	spec = {"", NULL, 0, fields, 1, true};
	CrJsonSpec	spec_env = {"", env, 1, fields, 1, false};
	CrJsonResult res;
	bool		ok;

	ok = parse_str("[{\"a\":1},{\"b\":2},{\"a\":\"x\"}]", &spec, &res);
	check(ok && res.records_found && res.nrows == 3, t, "array: 3 rows");
	if (ok && res.nrows == 3)
	{
		check_value(val(&res, &spec, 0, 0), "1", JSON_TOKEN_NUMBER, t, "0 a");
		check_value(val(&res, &spec, 1, 0), NULL, CR_JSON_ABSENT, t, "1 a");
		check_value(val(&res, &spec, 2, 0), "x", JSON_TOKEN_STRING, t, "2 a");
		check(strcmp(res.raw[1], "{\"b\":2}") == 0, t, "1 raw");
	}

	ok = parse_str(" {\"a\":7} ", &spec_env, &res);
	check(ok && res.records_found && res.nrows == 1, t, "object: 1 row");
	if (ok && res.nrows == 1)
	{
		check_value(val(&res, &spec_env, 0, 0), "7", JSON_TOKEN_NUMBER, t,
					"field a");
		check_value(&res.env[0], "7", JSON_TOKEN_NUMBER, t, "env a too");
	}

	ok = parse_str("[]", &spec, &res);
	check(ok && res.records_found && res.nrows == 0, t, "empty array");

	ok = parse_str("\"just a string\"", &spec, &res);
	check_error(&res, ok, "the JSON document is not an array or an object",
				"records path \"\": scalar document");
}

static void
test_empty_data(void)
{
	const char *t = "empty Data";
	CrJsonSpec	spec = {"Data", ucloud_env, lengthof(ucloud_env),
	ucloud_fields, lengthof(ucloud_fields), true};
	CrJsonResult res;
	bool		ok = parse_str("{\"RetCode\":0,\"Total\":0,\"Data\":[]}",
							   &spec, &res);

	check(ok, t, res.error ? res.error : "parse failed");
	check(res.records_found, t, "records_found");
	check(res.nrows == 0, t, "no rows");
	check_value(&res.env[2], "0", JSON_TOKEN_NUMBER, t, "Total");
}

static void
test_errors(void)
{
	static const char *const fields[] = {"a", "b"};
	CrJsonSpec	spec = {"Data", ucloud_env, lengthof(ucloud_env), fields, 2,
	true};
	CrJsonResult res;
	bool		ok;

	ok = parse_str("{\"RetCode\":0,\"Data\":[{\"a\":1}", &spec, &res);
	check_error(&res, ok, "invalid JSON: ", "truncated JSON");
	check(res.error == NULL || strstr(res.error, "ended unexpectedly") != NULL,
		  "truncated JSON", "says the input ended");

	ok = parse_str("{\"RetCode\":0,\"Data\":[{\"a\":1} {\"a\":2}]}", &spec, &res);
	check_error(&res, ok, "invalid JSON: Expected \",\" or \"]\"",
				"invalid JSON: missing comma");
	check(res.error == NULL || strstr(res.error, "{") == NULL,
		  "invalid JSON: missing comma", "no response text in the message");

	ok = parse_str("{\"RetCode\":0,\"Message\":\"secret-ish\" x}", &spec, &res);
	check_error(&res, ok, "invalid JSON: ", "invalid JSON: stray token");
	check(res.error == NULL || strstr(res.error, "secret") == NULL,
		  "invalid JSON: stray token", "no response text in the message");

	ok = parse_str("{\"RetCode\":0} {}", &spec, &res);
	check_error(&res, ok, "invalid JSON: Expected end of input",
				"two documents");

	ok = parse_str("", &spec, &res);
	check_error(&res, ok, "invalid JSON: ", "empty body");

	ok = parse_str("{\"a\":\"\\u0000\"}", &spec, &res);
	check_error(&res, ok, "invalid JSON: ", "\\u0000");

	ok = parse_str("{\"a\":\"tab\there\"}", &spec, &res);
	check_error(&res, ok, "invalid JSON: ", "unescaped control character");

	ok = parse_str("{\"RetCode\":0,\"Total\":1,\"RetCode\":1,\"Data\":[]}",
				   &spec, &res);
	check_error(&res, ok, "duplicate key \"RetCode\"", "duplicate top-level key");

	ok = parse_str("{\"x\":1,\"x\":2}", &spec, &res);
	check_error(&res, ok, "duplicate key \"x\"",
				"duplicate unwanted top-level key");

	ok = parse_str("{\"Data\":[{\"a\":1},{\"b\":1,\"a\":2,\"b\":3}]}",
				   &spec, &res);
	check_error(&res, ok, "duplicate key \"b\"", "duplicate key in a record");

	ok = parse_str("{\"Data\":[{\"n\":{\"z\":1,\"z\":2}}]}", &spec, &res);
	check(ok, "duplicate key nested in a record field",
		  res.error ? res.error : "parse failed");

	ok = parse_str("{\"Data\":[{\"a\":1},42]}", &spec, &res);
	check_error(&res, ok, "record 2 is not an object", "record is a number");

	ok = parse_str("{\"Data\":[[]]}", &spec, &res);
	check_error(&res, ok, "record 1 is not an object", "record is an array");

	ok = parse_str("{\"Data\":\"none\"}", &spec, &res);
	check_error(&res, ok, "the records at \"Data\" are not an array or an object",
				"records are a string");

	ok = parse_str("{\"Data\":null}", &spec, &res);
	check_error(&res, ok, "the records at \"Data\" are not an array or an object",
				"records are null");

	ok = parse_str("[{\"a\":1}]", &spec, &res);
	check_error(&res, ok, "the JSON document is not an object",
				"top-level array with a records path");

	ok = parse_str("42", &spec, &res);
	check_error(&res, ok, "the JSON document is not an object",
				"top-level number");

	/* a syntax error wins over an earlier semantic one */
	ok = parse_str("{\"x\":1,\"x\":2,", &spec, &res);
	check_error(&res, ok, "invalid JSON: ", "syntax error after duplicate");
}

static void
test_long_key_message(void)
{
	const char *t = "long duplicate key";
	CrJsonSpec	spec = {"Data", NULL, 0, NULL, 0, false};
	CrJsonResult res;
	StringInfoData buf;
	StringInfoData key;
	bool		ok;
	int			i;

	initStringInfo(&key);
	/* 'x' and 40 two-byte characters: 64 bytes would cut one in half */
	appendStringInfoChar(&key, 'x');
	for (i = 0; i < 40; i++)
		appendStringInfoString(&key, "\xc3\xa9");
	appendStringInfoChar(&key, 'x');
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"%s\":1,\"%s\":2}", key.data, key.data);
	ok = parse_str(buf.data, &spec, &res);
	check_error(&res, ok, "duplicate key \"x\xc3\xa9", t);
	check(res.error != NULL &&
		  strlen(res.error) == strlen("duplicate key \"\"") + 63, t,
		  "cut at 64 bytes on a character boundary");
	pfree(buf.data);
	pfree(key.data);
}

static char *
nested(int levels, const char *open, const char *inner, const char *close)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < levels; i++)
		appendStringInfoString(&buf, open);
	appendStringInfoString(&buf, inner);
	for (i = 0; i < levels; i++)
		appendStringInfoString(&buf, close);
	return buf.data;
}

static void
test_nesting(void)
{
	CrJsonSpec	spec = {"Data", ucloud_env, lengthof(ucloud_env), NULL, 0,
	false};
	static const char *const deep_env[] = {
		"a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a."
		"a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a"
	};
	CrJsonSpec	deep_spec = {NULL, deep_env, 1, NULL, 0, false};
	CrJsonResult res;
	char	   *doc;
	bool		ok;
	clock_t		t0;

	doc = nested(10000, "[", "", "]");
	t0 = clock();
	ok = parse_str(doc, &spec, &res);
	check_error(&res, ok, "JSON nested deeper than 64 levels",
				"10,000 levels of arrays");
	check(clock() - t0 < CLOCKS_PER_SEC / 10, "10,000 levels of arrays",
		  "fails fast");
	pfree(doc);

	doc = nested(10000, "{\"a\":", "1", "}");
	ok = parse_str(doc, &spec, &res);
	check_error(&res, ok, "JSON nested deeper than 64 levels",
				"10,000 levels of objects");
	pfree(doc);

	/* 64 objects: accepted, and the 64-segment path reaches the bottom */
	doc = nested(64, "{\"a\":", "\"bottom\"", "}");
	ok = parse_str(doc, &deep_spec, &res);
	check(ok, "64 levels", res.error ? res.error : "parse failed");
	check_value(&res.env[0], "bottom", JSON_TOKEN_STRING, "64 levels",
				"64-segment path");
	pfree(doc);

	doc = nested(64, "[", "", "]");
	ok = parse_str(doc, &spec, &res);
	check_error(&res, ok, "the JSON document is not an object",
				"64 levels of arrays pass the depth check");
	pfree(doc);

	doc = nested(65, "{\"a\":", "1", "}");
	ok = parse_str(doc, &deep_spec, &res);
	check_error(&res, ok, "JSON nested deeper than 64 levels", "65 levels");
	pfree(doc);

	/* brackets in strings do not count, escaped quotes do not end them */
	doc = nested(200, "[", "", "]");
	{
		StringInfoData buf;

		initStringInfo(&buf);
		appendStringInfo(&buf, "{\"RetCode\":0,\"Message\":\"\\\"%s\",\"Data\":[]}",
						 doc);
		ok = parse_str(buf.data, &spec, &res);
		check(ok, "brackets inside a string",
			  res.error ? res.error : "parse failed");
		check(res.env[1].str != NULL && strlen(res.env[1].str) == 401,
			  "brackets inside a string", "Message kept");
		pfree(buf.data);
	}
	pfree(doc);
}

static void
test_big_string(void)
{
	const char *t = "10 MB string";
	static const char *const fields[] = {"Big", "After"};
	CrJsonSpec	spec = {"Data", ucloud_env, lengthof(ucloud_env), fields, 2,
	true};
	CrJsonResult res;
	StringInfoData buf;
	size_t		big = 10 * 1024 * 1024;
	size_t		i;
	bool		ok;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"RetCode\":0,\"Total\":1,\"Data\":[{\"Big\":\"");
	enlargeStringInfo(&buf, big + 64);
	for (i = 0; i < big; i++)
		buf.data[buf.len++] = 'a' + i % 26;
	buf.data[buf.len] = '\0';
	appendStringInfoString(&buf, "\",\"After\":1}]}");

	ok = parse(buf.data, buf.len, &spec, &res);
	check(ok, t, res.error ? res.error : "parse failed");
	check(res.nrows == 1, t, "one row");
	if (ok && res.nrows == 1)
	{
		check(res.values[0].str != NULL && strlen(res.values[0].str) == big &&
			  res.values[0].str[big - 1] == 'a' + (big - 1) % 26,
			  t, "value complete");
		check_value(&res.values[1], "1", JSON_TOKEN_NUMBER, t, "After");
		check(res.raw[0] != NULL && strlen(res.raw[0]) == big + 20, t,
			  "raw record complete");
	}
	pfree(buf.data);
}

static void
test_many_keys_and_rows(void)
{
	const char *t = "100,000 keys";
	static const char *const fields[] = {"k"};
	CrJsonSpec	spec = {"Data", ucloud_env, lengthof(ucloud_env), fields, 1,
	false};
	CrJsonResult res;
	StringInfoData buf;
	bool		ok;
	int			i;
	clock_t		t0;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"RetCode\":0,\"Data\":[{");
	for (i = 0; i < 100000; i++)
		appendStringInfo(&buf, "%s\"k%d\":%d", i ? "," : "", i, i);
	appendStringInfoString(&buf, ",\"k\":\"z\"}],");
	for (i = 0; i < 100000; i++)
		appendStringInfo(&buf, "\"t%d\":%d,", i, i);
	appendStringInfoString(&buf, "\"Total\":1}");
	t0 = clock();
	ok = parse(buf.data, buf.len, &spec, &res);
	check(ok, t, res.error ? res.error : "parse failed");
	check(clock() - t0 < CLOCKS_PER_SEC, t, "not quadratic");
	if (ok)
	{
		check_value(&res.values[0], "z", JSON_TOKEN_STRING, t, "k");
		check_value(&res.env[2], "1", JSON_TOKEN_NUMBER, t, "Total");
	}

	/* the same with a duplicate at the very end */
	buf.len -= strlen("\"Total\":1}");
	appendStringInfoString(&buf, "\"t5\":1}");
	ok = parse(buf.data, buf.len, &spec, &res);
	check_error(&res, ok, "duplicate key \"t5\"", "duplicate among 100,000 keys");

	/* 20,000 records: the arrays grow */
	resetStringInfo(&buf);
	appendStringInfoString(&buf, "{\"Data\":[");
	for (i = 0; i < 20000; i++)
		appendStringInfo(&buf, "%s{\"k\":%d}", i ? "," : "", i);
	appendStringInfoString(&buf, "]}");
	ok = parse(buf.data, buf.len, &spec, &res);
	check(ok && res.nrows == 20000, "20,000 records",
		  res.error ? res.error : "wrong row count");
	if (ok && res.nrows == 20000)
		check_value(&res.values[19999], "19999", JSON_TOKEN_NUMBER,
					"20,000 records", "last row");
	pfree(buf.data);
}

static void
test_paths(void)
{
	const char *t = "paths";
	static const char *const env[] = {"a.b", "a.b", "a", "x.y.z", "q", ""};
	CrJsonSpec	spec = {"r.s", env, lengthof(env), NULL, 0, false};
	CrJsonResult res;
	bool		ok;

	ok = parse_str("{\"a\":{\"b\":[1,{\"c\":2}]},\"x\":{\"y\":{\"z\":null}},"
				   "\"q\":{},\"r\":{\"s\":[{},{}],\"t\":1},"
				   "\"arr\":[{\"q\":1}]}", &spec, &res);
	check(ok, t, res.error ? res.error : "parse failed");
	check_value(&res.env[0], "[1,{\"c\":2}]", CR_JSON_ARRAY, t, "a.b");
	check_value(&res.env[1], "[1,{\"c\":2}]", CR_JSON_ARRAY, t, "a.b twice");
	check_value(&res.env[2], "{\"b\":[1,{\"c\":2}]}", CR_JSON_OBJECT, t, "a");
	check_value(&res.env[3], NULL, JSON_TOKEN_NULL, t, "x.y.z null");
	check_value(&res.env[4], "{}", CR_JSON_OBJECT, t, "q empty object");
	check_value(&res.env[5], NULL, CR_JSON_ABSENT, t, "\"\" never matches");
	check(res.records_found && res.nrows == 2, t, "records at r.s");

	/* the path does not go through the array, nor match a prefix */
	ok = parse_str("{\"a\":[{\"b\":1}],\"ab\":2,\"a.bc\":3}", &spec, &res);
	check(ok, t, res.error ? res.error : "parse failed");
	check_value(&res.env[0], NULL, CR_JSON_ABSENT, t, "a.b through an array");
	check(!res.records_found, t, "records absent");

	/* a duplicate key on the way to a path */
	ok = parse_str("{\"r\":{\"s\":[],\"s\":[{}]}}", &spec, &res);
	check_error(&res, ok, "duplicate key \"s\"", "duplicate on the path");
}

int
main(void)
{
	test_ucloud_success();
	test_no_raw_no_fields();
	test_graph_page();
	test_graph_error();
	test_ucloud_error();
	test_tencent_single();
	test_top_level_records();
	test_empty_data();
	test_errors();
	test_long_key_message();
	test_nesting();
	test_big_string();
	test_many_keys_and_rows();
	test_paths();

	printf("%d passed, %d failed\n", npassed, nfailed);
	return nfailed > 0 ? 1 : 0;
}
