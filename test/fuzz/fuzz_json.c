/*-------------------------------------------------------------------------
 *
 * fuzz_json.c
 *		  libFuzzer target for the JSON response walker (src/json.c).
 *
 * Each input is parsed with a UCloud-like, a Graph-like, a Tencent-like
 * and a top-level-records spec.  Besides what the sanitizers catch, the
 * target traps when a result breaks the walker's contract.  The result is
 * freed after each run (palloc is malloc in a frontend build).
 *
 * IDENTIFICATION
 *		  test/fuzz/fuzz_json.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "common/jsonapi.h"

#include "callrecord_fdw.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const ucloud_env[] = {"RetCode", "Message", "Total",
"Count", "Action"};
static const char *const ucloud_fields[] = {"CallId", "Duration",
	"StartTime", "Caller", "Callee", "Extra", "Tag", "CallId"};

static const char *const graph_env[] = {"@odata.nextLink",
	"@odata.context", "error.code", "error.message",
"error.innerError.request-id"};
static const char *const graph_fields[] = {"id", "startDateTime",
"organizer", "version"};

static const char *const tencent_env[] = {"Response.Error.Code",
"Response.Error.Message", "Response.RequestId", "Response"};
static const char *const tencent_fields[] = {"TotalCount", "CdrList",
"RequestId"};

static const char *const top_fields[] = {"a", "b", "a"};

static const CrJsonSpec specs[] = {
	{"Data", ucloud_env, lengthof(ucloud_env),
	ucloud_fields, lengthof(ucloud_fields), true},
	{"value", graph_env, lengthof(graph_env),
	graph_fields, lengthof(graph_fields), true},
	{"Response", tencent_env, lengthof(tencent_env),
	tencent_fields, lengthof(tencent_fields), false},
	{"", NULL, 0, top_fields, lengthof(top_fields), true},
};

static void
check_value(const CrJsonValue *v)
{
	switch (v->type)
	{
		case CR_JSON_ABSENT:
		case JSON_TOKEN_NULL:
			if (v->str != NULL)
				__builtin_trap();
			break;
		case CR_JSON_OBJECT:
			if (v->str == NULL || v->str[0] != '{' ||
				v->str[strlen(v->str) - 1] != '}')
				__builtin_trap();
			break;
		case CR_JSON_ARRAY:
			if (v->str == NULL || v->str[0] != '[' ||
				v->str[strlen(v->str) - 1] != ']')
				__builtin_trap();
			break;
		case JSON_TOKEN_STRING:
		case JSON_TOKEN_NUMBER:
		case JSON_TOKEN_TRUE:
		case JSON_TOKEN_FALSE:
			if (v->str == NULL)
				__builtin_trap();
			break;
		default:
			__builtin_trap();
	}
}

static void
free_result(const CrJsonSpec *spec, CrJsonResult *res, bool ok)
{
	int			i;

	for (i = 0; i < spec->nenv; i++)
	{
		if (ok)
			check_value(&res->env[i]);
		if (res->env[i].str)
			pfree(res->env[i].str);
	}
	pfree(res->env);
	for (i = 0; i < res->nrows * spec->nfields; i++)
	{
		if (ok)
			check_value(&res->values[i]);
		if (res->values[i].str)
			pfree(res->values[i].str);
	}
	if (res->values)
		pfree(res->values);
	if (res->raw)
	{
		for (i = 0; i < res->nrows; i++)
		{
			if (ok && (res->raw[i] == NULL || res->raw[i][0] != '{'))
				__builtin_trap();
			if (res->raw[i])
				pfree(res->raw[i]);
		}
		pfree(res->raw);
	}
	if (res->error)
		pfree(res->error);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *body = palloc(size + 1);
	int			s;

	memcpy(body, data, size);
	body[size] = '\0';

	for (s = 0; s < lengthof(specs); s++)
	{
		CrJsonResult res;
		bool		ok = cr_json_parse(body, size, &specs[s], &res);

		/* false exactly when there is an error */
		if (ok != (res.error == NULL))
			__builtin_trap();
		if (ok && !res.records_found && res.nrows != 0)
			__builtin_trap();
		if (ok && specs[s].want_raw && res.nrows > 0 && res.raw == NULL)
			__builtin_trap();
		free_result(&specs[s], &res, ok);
	}
	pfree(body);
	return 0;
}
