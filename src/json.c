/*-------------------------------------------------------------------------
 *
 * json.c
 *		  Walk one complete vendor response with common/jsonapi.h and collect
 *		  the envelope values and the wanted fields of each record.
 *
 * PG15's parser is not incremental and its callbacks cannot fail except by
 * ereport, so the callbacks record the first problem in the walker state
 * and ignore the rest; cr_json_parse() returns false with result->error
 * set.  A cheap pre-scan refuses nesting deeper than CR_MAX_JSON_DEPTH
 * before the recursive parser sees the document.  No vendor knowledge
 * here: the caller names the paths and fields it wants.
 *
 * IDENTIFICATION
 *		  src/json.c
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "common/jsonapi.h"
#include "mb/pg_wchar.h"

#include "callrecord_fdw.h"

#define MAX_KEYS_PER_OBJECT 10000
#define MAX_PATH_SEGMENTS	8

typedef struct Frame
{
	bool		is_object;
	bool		is_records;		/* the array of records */
	bool		is_record;		/* one record object */
	bool		check_keys;		/* reject duplicate keys here */
	char	   *curkey;			/* object: the member being parsed */
	char	  **keys;			/* keys seen, when check_keys */
	int			nkeys;
	int			maxkeys;
	char	   *start;			/* where this container's text begins */
	CrJsonValue *capture;		/* store the raw text here at the end */
	int			pending_env;	/* value of this member is env path i */
	int			pending_field;	/* value is record field (first index) */
	bool		pending_records;	/* value is the records container */
	int			nelems;
} Frame;

typedef struct WalkState
{
	JsonLexContext *lex;
	const CrJsonSpec *spec;
	CrJsonResult *res;
	Frame		frames[CR_MAX_JSON_DEPTH + 2];
	int			depth;			/* open containers */
	char	  **rec_segs;
	int			nrec_segs;
	char	 ***env_segs;
	int		   *nenv_segs;
	int			maxrows;
	int			cur_row;		/* row of the record being parsed, or -1 */
} WalkState;

static int
split_path(const char *path, char ***segs)
{
	char	   *copy = pstrdup(path);
	char	   *p = copy;
	int			n = 0;

	*segs = palloc(sizeof(char *) * MAX_PATH_SEGMENTS);
	if (*p == '\0')
		return 0;
	for (;;)
	{
		char	   *dot = strchr(p, '.');

		if (n < MAX_PATH_SEGMENTS)
			(*segs)[n++] = p;
		if (!dot)
			break;
		*dot = '\0';
		p = dot + 1;
	}
	return n;
}

static void
set_error(WalkState *st, char *msg)
{
	if (st->res->error == NULL)
		st->res->error = msg;
	else
		pfree(msg);
}

/* Does the member fname of the innermost open object complete path segs? */
static bool
path_matches(WalkState *st, char **segs, int nsegs, const char *fname)
{
	int			i;

	if (nsegs != st->depth)
		return false;
	for (i = 0; i < st->depth - 1; i++)
	{
		Frame	   *f = &st->frames[i];

		if (!f->is_object || f->curkey == NULL || strcmp(f->curkey, segs[i]) != 0)
			return false;
	}
	return st->frames[st->depth - 1].is_object &&
		strcmp(fname, segs[st->depth - 1]) == 0;
}

static CrJsonValue *
field_slot(WalkState *st, int f)
{
	return &st->res->values[st->cur_row * st->spec->nfields + f];
}

static void
start_record(WalkState *st)
{
	int			nf = st->spec->nfields;
	int			i;

	if (st->res->nrows >= st->maxrows)
	{
		int			newmax = Max(st->maxrows * 2, 64);

		st->res->values = st->res->values ?
			repalloc(st->res->values, sizeof(CrJsonValue) * newmax * Max(nf, 1)) :
			palloc(sizeof(CrJsonValue) * newmax * Max(nf, 1));
		if (st->spec->want_raw)
			st->res->raw = st->res->raw ?
				repalloc(st->res->raw, sizeof(char *) * newmax) :
				palloc(sizeof(char *) * newmax);
		st->maxrows = newmax;
	}
	st->cur_row = st->res->nrows++;
	for (i = 0; i < nf; i++)
	{
		CrJsonValue *v = field_slot(st, i);

		v->str = NULL;
		v->type = CR_JSON_ABSENT;
	}
	if (st->spec->want_raw)
		st->res->raw[st->cur_row] = NULL;
}

/*
 * Which targets does a value about to start have?  Called for objects,
 * arrays and scalars alike, from the enclosing frame's pending state.
 */
static void
open_container(WalkState *st, bool is_object)
{
	Frame	   *parent = st->depth > 0 ? &st->frames[st->depth - 1] : NULL;
	Frame	   *f;

	if (st->res->error)
		return;
	if (st->depth >= CR_MAX_JSON_DEPTH)
	{
		set_error(st, psprintf("JSON nested deeper than %d levels", CR_MAX_JSON_DEPTH));
		return;
	}
	f = &st->frames[st->depth];
	memset(f, 0, sizeof(Frame));
	f->is_object = is_object;
	f->start = (char *) st->lex->token_start;
	f->pending_env = -1;
	f->pending_field = -1;

	if (parent == NULL)
	{
		/* the top-level value */
		f->check_keys = is_object;
		if (st->nrec_segs == 0)
		{
			if (is_object)
			{
				f->is_record = true;
				st->res->records_found = true;
			}
			else
			{
				f->is_records = true;
				st->res->records_found = true;
			}
		}
	}
	else if (parent->is_records)
	{
		parent->nelems++;
		if (!is_object)
		{
			set_error(st, psprintf("record %d is not an object", parent->nelems - 1));
			return;
		}
		f->is_record = true;
		f->check_keys = true;
	}
	else if (parent->pending_records)
	{
		st->res->records_found = true;
		if (is_object)
		{
			f->is_record = true;
			f->check_keys = true;
		}
		else
			f->is_records = true;
	}
	else if (parent->pending_field >= 0)
		f->capture = field_slot(st, parent->pending_field);
	else if (parent->pending_env >= 0)
		f->capture = &st->res->env[parent->pending_env];

	if (f->is_record)
		start_record(st);
	st->depth++;
}

static void
close_container(WalkState *st)
{
	Frame	   *f;
	Frame	   *parent;
	char	   *end;

	if (st->res->error || st->depth == 0)
		return;
	f = &st->frames[st->depth - 1];
	/* PG15 calls the end callback after lexing past the bracket */
	end = (char *) st->lex->prev_token_terminator;
	if (f->capture)
	{
		f->capture->str = pnstrdup(f->start, end - f->start);
		f->capture->type = f->is_object ? CR_JSON_OBJECT : CR_JSON_ARRAY;
		/* a record field listed twice gets both */
		parent = st->depth > 1 ? &st->frames[st->depth - 2] : NULL;
		if (parent && parent->is_record && parent->pending_field >= 0)
		{
			int			i;

			for (i = parent->pending_field + 1; i < st->spec->nfields; i++)
				if (strcmp(st->spec->fields[i], st->spec->fields[parent->pending_field]) == 0)
					*field_slot(st, i) = *f->capture;
		}
	}
	if (f->is_record)
	{
		if (st->spec->want_raw)
			st->res->raw[st->cur_row] = pnstrdup(f->start, end - f->start);
		st->cur_row = -1;
	}
	if (f->keys)
	{
		int			i;

		for (i = 0; i < f->nkeys; i++)
			pfree(f->keys[i]);
		pfree(f->keys);
	}
	st->depth--;
	if (st->depth > 0)
	{
		parent = &st->frames[st->depth - 1];
		parent->pending_env = -1;
		parent->pending_field = -1;
		parent->pending_records = false;
	}
}

static void
walk_object_start(void *state)
{
	open_container((WalkState *) state, true);
}

static void
walk_array_start(void *state)
{
	open_container((WalkState *) state, false);
}

static void
walk_end(void *state)
{
	close_container((WalkState *) state);
}

static void
walk_field_start(void *state, char *fname, bool isnull)
{
	WalkState  *st = (WalkState *) state;
	Frame	   *f;
	int			i;
	bool		keep = false;

	if (st->res->error || st->depth == 0)
	{
		pfree(fname);
		return;
	}
	f = &st->frames[st->depth - 1];
	f->pending_env = -1;
	f->pending_field = -1;
	f->pending_records = false;

	if (f->check_keys)
	{
		for (i = 0; i < f->nkeys; i++)
			if (strcmp(f->keys[i], fname) == 0)
			{
				set_error(st, psprintf("duplicate key \"%.64s\"", fname));
				pfree(fname);
				return;
			}
		if (f->nkeys >= MAX_KEYS_PER_OBJECT)
		{
			set_error(st, psprintf("object with more than %d keys", MAX_KEYS_PER_OBJECT));
			pfree(fname);
			return;
		}
		if (f->nkeys >= f->maxkeys)
		{
			f->maxkeys = Max(f->maxkeys * 2, 32);
			f->keys = f->keys ? repalloc(f->keys, sizeof(char *) * f->maxkeys) :
				palloc(sizeof(char *) * f->maxkeys);
		}
		f->keys[f->nkeys++] = fname;
		keep = true;
	}

	if (f->is_record)
	{
		for (i = 0; i < st->spec->nfields; i++)
			if (strcmp(st->spec->fields[i], fname) == 0)
			{
				f->pending_field = i;
				break;
			}
	}
	else
	{
		for (i = 0; i < st->spec->nenv; i++)
			if (path_matches(st, st->env_segs[i], st->nenv_segs[i], fname))
			{
				f->pending_env = i;
				break;
			}
		if (st->nrec_segs > 0 &&
			path_matches(st, st->rec_segs, st->nrec_segs, fname))
			f->pending_records = true;
	}

	/* remember the key for path matching below this member */
	if (f->curkey && !f->check_keys)
		pfree(f->curkey);
	f->curkey = fname;
	(void) keep;
}

static void
walk_scalar(void *state, char *token, JsonTokenType tokentype)
{
	WalkState  *st = (WalkState *) state;
	Frame	   *f;
	CrJsonValue v;

	if (st->res->error)
	{
		pfree(token);
		return;
	}
	if (st->depth == 0)
	{
		set_error(st, pstrdup("the response is a JSON scalar, not an object"));
		pfree(token);
		return;
	}
	f = &st->frames[st->depth - 1];
	if (f->is_records)
	{
		set_error(st, psprintf("record %d is not an object", f->nelems));
		pfree(token);
		return;
	}
	if (f->pending_records)
	{
		if (tokentype == JSON_TOKEN_NULL)
		{
			f->pending_records = false;
			pfree(token);
			return;
		}
		set_error(st, pstrdup("the records are not an array or an object"));
		pfree(token);
		return;
	}
	v.type = tokentype;
	v.str = (tokentype == JSON_TOKEN_NULL) ? NULL : token;

	if (f->pending_field >= 0)
	{
		int			i;

		for (i = f->pending_field; i < st->spec->nfields; i++)
			if (i == f->pending_field ||
				strcmp(st->spec->fields[i], st->spec->fields[f->pending_field]) == 0)
				*field_slot(st, i) = v;
	}
	else if (f->pending_env >= 0)
		st->res->env[f->pending_env] = v;
	else
		pfree(token);
	if (tokentype == JSON_TOKEN_NULL && (f->pending_field >= 0 || f->pending_env >= 0))
		pfree(token);
	f->pending_env = -1;
	f->pending_field = -1;
}

/* Refuse documents nested deeper than the limit before parsing them. */
static bool
depth_ok(const char *s, size_t len)
{
	int			depth = 0;
	bool		in_string = false;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		char		c = s[i];

		if (in_string)
		{
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		}
		else if (c == '"')
			in_string = true;
		else if (c == '{' || c == '[')
		{
			if (++depth > CR_MAX_JSON_DEPTH)
				return false;
		}
		else if (c == '}' || c == ']')
			depth--;
	}
	return true;
}

bool
cr_json_parse(char *body, size_t len, const CrJsonSpec *spec,
			  CrJsonResult *result)
{
	WalkState	st;
	JsonSemAction sem;
	JsonParseErrorType rc;
	int			i;

	memset(result, 0, sizeof(CrJsonResult));
	result->env = palloc(sizeof(CrJsonValue) * Max(spec->nenv, 1));
	for (i = 0; i < spec->nenv; i++)
	{
		result->env[i].str = NULL;
		result->env[i].type = CR_JSON_ABSENT;
	}

	if (!depth_ok(body, len))
	{
		result->error = psprintf("JSON nested deeper than %d levels", CR_MAX_JSON_DEPTH);
		return false;
	}
	if (len > (size_t) PG_INT32_MAX)
	{
		result->error = pstrdup("response too large");
		return false;
	}

	memset(&st, 0, sizeof(st));
	st.spec = spec;
	st.res = result;
	st.cur_row = -1;
	st.nrec_segs = split_path(spec->records_path ? spec->records_path : "", &st.rec_segs);
	st.env_segs = palloc(sizeof(char **) * Max(spec->nenv, 1));
	st.nenv_segs = palloc(sizeof(int) * Max(spec->nenv, 1));
	for (i = 0; i < spec->nenv; i++)
		st.nenv_segs[i] = split_path(spec->env_paths[i], &st.env_segs[i]);

#ifdef FRONTEND
	st.lex = makeJsonLexContextCstringLen(body, (int) len, PG_UTF8, true);
#else
	st.lex = makeJsonLexContextCstringLen(body, (int) len, GetDatabaseEncoding(), true);
#endif

	memset(&sem, 0, sizeof(sem));
	sem.semstate = &st;
	sem.object_start = walk_object_start;
	sem.object_end = walk_end;
	sem.array_start = walk_array_start;
	sem.array_end = walk_end;
	sem.object_field_start = walk_field_start;
	sem.scalar = walk_scalar;

	rc = pg_parse_json(st.lex, &sem);
	if (rc != JSON_SUCCESS)
	{
		char	   *detail = json_errdetail(rc, st.lex);

		result->error = psprintf("invalid JSON: %s", detail ? detail : "parse error");
		return false;
	}
	return result->error == NULL;
}
