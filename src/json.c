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
 * Paths are dotted member names from the top-level object ("Data",
 * "Response.Error.Code", "error.innerError.request-id").  A path matches a
 * chain of members whose names, joined with '.', spell it: so
 * "@odata.nextLink" matches Graph's top-level member of that name as well
 * as a member "nextLink" inside a member "@odata".  If one path matches two
 * chains, the first in the document wins.  Paths never go through arrays.
 *
 * Error messages are plain English and carry no text of the response
 * other than a member name.
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

#include "common/hashfn.h"
#include "common/jsonapi.h"
#include "mb/pg_wchar.h"
#ifndef FRONTEND
#include "utils/memutils.h"
#endif

#include "callrecord_fdw.h"

/* Longest member name quoted in full in an error message, in bytes. */
#define MAX_KEY_IN_MESSAGE	64

/* Initial size of a key set; a power of 2. */
#define KEYSET_INITIAL_SIZE 64

/* Initial number of rows allocated. */
#define INITIAL_ROWS		16

/* A member name seen in an object whose keys must be unique. */
typedef struct KeyEntry
{
	uint32		hash;
	char	   *key;			/* NULL: free slot */
} KeyEntry;

/* Open-addressing hash set of member names, linear probing. */
typedef struct KeySet
{
	KeyEntry   *entries;
	uint32		size;			/* a power of 2 */
	uint32		count;
} KeySet;

/* One open object or array. */
typedef struct WalkFrame
{
	bool		is_object;
	bool		on_path;		/* object on the way to an env/records path */
	bool		is_records;		/* the array of records */
	bool		is_record;		/* one record object */
	bool		check_keys;		/* reject duplicate member names */
	int			cap_env;		/* keep the raw text in env[cap_env], or -1 */
	int			cap_field;		/* ... in the current row's field, or -1 */
	char	   *start;			/* the opening bracket */
	int			nelems;			/* is_records: elements seen so far */

	/* objects: what the member being parsed maps to */
	int			pend_env;		/* env path index, or -1 */
	int			pend_field;		/* record field index, or -1 */
	bool		pend_records;	/* the records value */
	bool		child_on_path;	/* the member is a prefix of some path */

	KeySet		keys;			/* when check_keys */
} WalkFrame;

typedef struct WalkState
{
	JsonLexContext *lex;
	const CrJsonSpec *spec;
	CrJsonResult *res;
	int			encoding;

	/*
	 * Paths: index 0 .. nenv-1 are the env paths, index nenv the records
	 * path.  paths[p] is NULL for a path that never matches a member (an
	 * empty env path, an absent or top-level records path).
	 */
	int			npaths;
	const char **paths;
	int		   *env_next;		/* next env path equal to this one, or -1 */
	int		   *field_next;		/* next field equal to this one, or -1 */
	bool		records_top;	/* records_path is "" */
	bool		records_seen;	/* a member matched the records path */

	/*
	 * alive[d][p]: the members leading to the object at depth d spell the
	 * first alive[d][p] bytes of path p, up to a '.'; -1 if they do not.
	 * Allocated for d < maxsegs only, maxsegs being the most segments in a
	 * path.
	 */
	int			maxsegs;
	int		  **alive;

	WalkFrame	frames[CR_MAX_JSON_DEPTH];
	int			depth;			/* open containers */

	int			cur_row;		/* row of the open record, or -1 */
	int			maxrows;		/* rows allocated */

	/*
	 * Vendors write every record's members in the same order, so the member
	 * after field f is most likely the one that followed f last time:
	 * follows[f] (follows[nfields] for a record's first member; -1 unknown).
	 * A right guess costs one comparison instead of a search of the fields.
	 */
	int		   *follows;
	int			last_field;		/* field matched last in the open record */
} WalkState;

/*
 * Length of the longest prefix of s, at most max bytes, that does not cut
 * a multibyte character.
 */
static int
clip_len(const char *s, int encoding, int max)
{
	int			len = strlen(s);
	int			n = 0;

	if (len <= max)
		return len;
	while (n < len)
	{
		int			l = pg_encoding_mblen(encoding, s + n);

		if (n + l > max)
			break;
		n += l;
	}
	return n;
}

/*
 * English description of a jsonapi error.  It follows the wording of PG15's
 * json_errdetail() but never quotes the offending token: the token is
 * response text.  (json_errdetail() is also missing from the frontend
 * libpgcommon.a in PG15.)
 */
static char *
describe_parse_error(JsonParseErrorType rc, JsonLexContext *lex)
{
	const char *what;

	switch (rc)
	{
		case JSON_ESCAPING_INVALID:
			what = "Escape sequence is invalid.";
			break;
		case JSON_ESCAPING_REQUIRED:
			what = "A control character in a string must be escaped.";
			break;
		case JSON_EXPECTED_ARRAY_FIRST:
			what = "Expected array element or \"]\".";
			break;
		case JSON_EXPECTED_ARRAY_NEXT:
			what = "Expected \",\" or \"]\".";
			break;
		case JSON_EXPECTED_COLON:
			what = "Expected \":\".";
			break;
		case JSON_EXPECTED_END:
			what = "Expected end of input.";
			break;
		case JSON_EXPECTED_JSON:
			what = "Expected JSON value.";
			break;
		case JSON_EXPECTED_MORE:
			what = "The input string ended unexpectedly.";
			break;
		case JSON_EXPECTED_OBJECT_FIRST:
			what = "Expected string or \"}\".";
			break;
		case JSON_EXPECTED_OBJECT_NEXT:
			what = "Expected \",\" or \"}\".";
			break;
		case JSON_EXPECTED_STRING:
			what = "Expected string.";
			break;
		case JSON_INVALID_TOKEN:
			what = "Token is invalid.";
			break;
		case JSON_UNICODE_CODE_POINT_ZERO:
			what = "\\u0000 cannot be converted to text.";
			break;
		case JSON_UNICODE_ESCAPE_FORMAT:
			what = "\"\\u\" must be followed by four hexadecimal digits.";
			break;
		case JSON_UNICODE_HIGH_ESCAPE:
			what = "Unicode escape values cannot be used for code point values above 007F when the encoding is not UTF8.";
			break;
		case JSON_UNICODE_HIGH_SURROGATE:
			what = "Unicode high surrogate must not follow a high surrogate.";
			break;
		case JSON_UNICODE_LOW_SURROGATE:
			what = "Unicode low surrogate must follow a high surrogate.";
			break;
		default:
			what = "Parse error.";
			break;
	}

	/* token_start is NULL once the lexer has reached the end */
	if (rc != JSON_EXPECTED_MORE && lex->token_start != NULL &&
		lex->token_start >= lex->input &&
		lex->token_start <= lex->input + lex->input_length)
		return psprintf("invalid JSON: %s (at byte %d)", what,
						(int) (lex->token_start - lex->input));
	return psprintf("invalid JSON: %s", what);
}

static void
set_error(WalkState *st, char *msg)
{
	if (st->res->error == NULL)
		st->res->error = msg;
	else
		pfree(msg);
}

/* A palloc'd, NUL-terminated copy of [start, end). */
static char *
copy_text(const char *start, const char *end)
{
	size_t		len = end - start;
	char	   *s = palloc(len + 1);

	memcpy(s, start, len);
	s[len] = '\0';
	return s;
}

/*
 * Add key to set; false if it is already there.  The set owns key only when
 * true is returned.
 */
static bool
keyset_add(KeySet *set, char *key)
{
	uint32		hash = hash_bytes((const unsigned char *) key, strlen(key));
	uint32		mask;
	uint32		i;

	if (set->entries == NULL)
	{
		set->size = KEYSET_INITIAL_SIZE;
		set->count = 0;
		set->entries = palloc0(sizeof(KeyEntry) * set->size);
	}

	mask = set->size - 1;
	for (i = hash & mask; set->entries[i].key != NULL; i = (i + 1) & mask)
	{
		if (set->entries[i].hash == hash &&
			strcmp(set->entries[i].key, key) == 0)
			return false;
	}
	set->entries[i].hash = hash;
	set->entries[i].key = key;
	set->count++;

	/* keep the load factor at most 1/2 */
	if (set->count * 2 > set->size)
	{
		KeyEntry   *old = set->entries;
		uint32		oldsize = set->size;
		uint32		j;

		set->size *= 2;
		set->entries = palloc0(sizeof(KeyEntry) * set->size);
		mask = set->size - 1;
		for (j = 0; j < oldsize; j++)
		{
			if (old[j].key == NULL)
				continue;
			for (i = old[j].hash & mask; set->entries[i].key != NULL;
				 i = (i + 1) & mask)
				;
			set->entries[i] = old[j];
		}
		pfree(old);
	}
	return true;
}

static void
keyset_free(KeySet *set)
{
	uint32		i;

	if (set->entries == NULL)
		return;
	for (i = 0; i < set->size; i++)
		if (set->entries[i].key != NULL)
			pfree(set->entries[i].key);
	pfree(set->entries);
	set->entries = NULL;
	set->size = 0;
	set->count = 0;
}

/* The innermost open container, or NULL at the top. */
static WalkFrame *
top_frame(WalkState *st)
{
	if (st->depth <= 0 || st->depth > CR_MAX_JSON_DEPTH)
		return NULL;
	return &st->frames[st->depth - 1];
}

static CrJsonValue *
field_slot(WalkState *st, int field)
{
	return &st->res->values[(size_t) st->cur_row * st->spec->nfields + field];
}

/*
 * Store a value in a slot.  The first slot takes text itself, later ones
 * (a field or path listed twice) a copy; *taken says whether text is owned.
 */
static void
put_value(CrJsonValue *slot, char *text, int type, bool *taken)
{
	slot->type = type;
	if (text == NULL)
		slot->str = NULL;
	else if (!*taken)
	{
		slot->str = text;
		*taken = true;
	}
	else
		slot->str = pstrdup(text);
}

/*
 * Store text in the env path and record field slots a member maps to.
 * Returns whether text was taken.
 */
static bool
store_member_value(WalkState *st, int env, int field, char *text, int type)
{
	bool		taken = false;
	int			i;

	if (field >= 0 && st->cur_row >= 0)
		for (i = field; i >= 0; i = st->field_next[i])
			put_value(field_slot(st, i), text, type, &taken);
	for (i = env; i >= 0; i = st->env_next[i])
		put_value(&st->res->env[i], text, type, &taken);
	return taken;
}

/* Start a new row, growing the arrays geometrically. */
static bool
start_record(WalkState *st)
{
	CrJsonResult *res = st->res;
	int			nf = st->spec->nfields;
	int			i;

	if (res->nrows >= st->maxrows)
	{
		int			newmax = st->maxrows == 0 ? INITIAL_ROWS : st->maxrows * 2;

		if ((Size) newmax * Max(nf, 1) * sizeof(CrJsonValue) > MaxAllocSize ||
			(Size) newmax * sizeof(char *) > MaxAllocSize)
		{
			set_error(st, pstrdup("the response has too many records"));
			return false;
		}
		if (nf > 0)
			res->values = res->values == NULL ?
				palloc(sizeof(CrJsonValue) * newmax * nf) :
				repalloc(res->values, sizeof(CrJsonValue) * newmax * nf);
		if (st->spec->want_raw)
			res->raw = res->raw == NULL ?
				palloc(sizeof(char *) * newmax) :
				repalloc(res->raw, sizeof(char *) * newmax);
		st->maxrows = newmax;
	}

	st->cur_row = res->nrows++;
	st->last_field = nf;
	for (i = 0; i < nf; i++)
	{
		CrJsonValue *v = field_slot(st, i);

		v->str = NULL;
		v->type = CR_JSON_ABSENT;
	}
	if (st->spec->want_raw)
		res->raw[st->cur_row] = NULL;
	return true;
}

static void
clear_pending(WalkFrame *f)
{
	f->pend_env = -1;
	f->pend_field = -1;
	f->pend_records = false;
	f->child_on_path = false;
}

static void
open_container(WalkState *st, bool is_object)
{
	WalkFrame  *parent = top_frame(st);
	WalkFrame  *f;

	if (st->res->error != NULL)
		return;
	if (st->depth >= CR_MAX_JSON_DEPTH)
	{
		/* the pre-scan should have caught this */
		set_error(st, psprintf("JSON nested deeper than %d levels",
							   CR_MAX_JSON_DEPTH));
		return;
	}

	f = &st->frames[st->depth];
	memset(f, 0, sizeof(WalkFrame));
	f->is_object = is_object;
	f->start = st->lex->token_start;
	f->cap_env = -1;
	f->cap_field = -1;
	clear_pending(f);

	if (parent == NULL)
	{
		/* the document itself */
		if (st->records_top)
		{
			st->res->records_found = true;
			if (is_object)
				f->is_record = true;
			else
				f->is_records = true;
		}
		else if (!is_object)
		{
			set_error(st, pstrdup("the JSON document is not an object"));
			return;
		}
		f->on_path = is_object && st->maxsegs > 0;
		f->check_keys = is_object;
		if (f->on_path)
		{
			int			p;

			for (p = 0; p < st->npaths; p++)
				st->alive[0][p] = st->paths[p] != NULL ? 0 : -1;
		}
	}
	else if (parent->is_records)
	{
		parent->nelems++;
		if (!is_object)
		{
			set_error(st, psprintf("record %d is not an object",
								   parent->nelems));
			return;
		}
		f->is_record = true;
		f->check_keys = true;
	}
	else if (parent->is_object)
	{
		if (parent->pend_records)
		{
			st->res->records_found = true;
			if (is_object)
				f->is_record = true;
			else
				f->is_records = true;
		}
		f->cap_env = parent->pend_env;
		f->cap_field = parent->pend_field;
		f->on_path = is_object && parent->child_on_path;
		f->check_keys = is_object && (f->on_path || f->is_record);
		clear_pending(parent);
	}

	if (f->is_record)
	{
		/* records never nest: only one record is open at a time */
		if (st->cur_row >= 0)
		{
			set_error(st, pstrdup("records nested in a record"));
			return;
		}
		if (!start_record(st))
			return;
	}
	st->depth++;
}

static void
close_container(WalkState *st)
{
	WalkFrame  *f = top_frame(st);
	char	   *end;

	if (st->res->error != NULL || f == NULL)
		return;

	/*
	 * In PG15 the lexer has already moved past the closing bracket here:
	 * token_start is the next token (NULL at the end of the input), and
	 * prev_token_terminator points just after the bracket.
	 */
	end = st->lex->prev_token_terminator;

	if (f->cap_env >= 0 || f->cap_field >= 0)
	{
		char	   *text = copy_text(f->start, end);

		if (!store_member_value(st, f->cap_env, f->cap_field, text,
								f->is_object ? CR_JSON_OBJECT : CR_JSON_ARRAY))
			pfree(text);
	}
	if (f->is_record)
	{
		if (st->spec->want_raw)
			st->res->raw[st->cur_row] = copy_text(f->start, end);
		st->cur_row = -1;
	}
	keyset_free(&f->keys);
	st->depth--;
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
	WalkFrame  *f = top_frame(st);
	bool		kept = false;
	int			i;

	if (st->res->error != NULL || f == NULL)
	{
		pfree(fname);
		return;
	}
	clear_pending(f);

	if (f->check_keys)
	{
		if (!keyset_add(&f->keys, fname))
		{
			set_error(st, psprintf("duplicate key \"%.*s\"",
								   clip_len(fname, st->encoding,
											MAX_KEY_IN_MESSAGE),
								   fname));
			pfree(fname);
			return;
		}
		kept = true;
	}

	if (f->is_record)
	{
		int			guess = st->follows[st->last_field];

		if (guess >= 0 && strcmp(st->spec->fields[guess], fname) == 0)
			i = guess;
		else
		{
			for (i = 0; i < st->spec->nfields; i++)
				if (strcmp(st->spec->fields[i], fname) == 0)
					break;
			if (i < st->spec->nfields)
				st->follows[st->last_field] = i;
		}
		if (i < st->spec->nfields)
		{
			f->pend_field = i;
			st->last_field = i;
		}
	}

	if (f->on_path)
	{
		int			d = st->depth - 1;
		int		   *alive = st->alive[d];
		int		   *next = d + 1 < st->maxsegs ? st->alive[d + 1] : NULL;
		size_t		flen = strlen(fname);
		int			p;

		for (p = 0; p < st->npaths; p++)
		{
			const char *rest;

			if (next != NULL)
				next[p] = -1;
			if (alive[p] < 0)
				continue;
			rest = st->paths[p] + alive[p];
			if (strncmp(rest, fname, flen) != 0)
				continue;
			if (rest[flen] == '\0')
			{
				/* the whole path: the first match wins */
				if (p == st->spec->nenv)
				{
					if (!st->records_seen)
						f->pend_records = st->records_seen = true;
				}
				else if (f->pend_env < 0 &&
						 st->res->env[p].type == CR_JSON_ABSENT)
					f->pend_env = p;
			}
			else if (rest[flen] == '.' && next != NULL)
			{
				next[p] = alive[p] + flen + 1;
				f->child_on_path = true;
			}
		}
	}

	if (!kept)
		pfree(fname);
}

static void
walk_scalar(void *state, char *token, JsonTokenType tokentype)
{
	WalkState  *st = (WalkState *) state;
	WalkFrame  *f = top_frame(st);
	char	   *text;

	if (st->res->error != NULL)
	{
		pfree(token);
		return;
	}
	if (f == NULL)
	{
		/* a bare scalar document */
		set_error(st, pstrdup(st->records_top ?
							  "the JSON document is not an array or an object" :
							  "the JSON document is not an object"));
		pfree(token);
		return;
	}
	if (f->is_records)
	{
		set_error(st, psprintf("record %d is not an object", ++f->nelems));
		pfree(token);
		return;
	}
	if (!f->is_object)
	{
		pfree(token);
		return;
	}
	if (f->pend_records)
	{
		set_error(st, psprintf("the records at \"%s\" are not an array or an object",
							   st->spec->records_path));
		pfree(token);
		return;
	}

	text = tokentype == JSON_TOKEN_NULL ? NULL : token;
	if (!store_member_value(st, f->pend_env, f->pend_field, text,
							(int) tokentype))
		pfree(token);
	clear_pending(f);
}

/*
 * Refuse documents nested deeper than CR_MAX_JSON_DEPTH before the
 * recursive parser sees them.  Brackets inside strings do not count.
 */
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

/*
 * For each name, the index of the next equal name in the list, or -1.
 * NULL names never match anything.
 */
static int *
chain_equal(const char *const *names, int n)
{
	int		   *next = palloc(sizeof(int) * Max(n, 1));
	int			i;
	int			j;

	for (i = 0; i < n; i++)
	{
		next[i] = -1;
		if (names[i] == NULL)
			continue;
		for (j = i + 1; j < n; j++)
		{
			if (names[j] != NULL && strcmp(names[i], names[j]) == 0)
			{
				next[i] = j;
				break;
			}
		}
	}
	return next;
}

/*
 * cr_json_parse
 *		Parse body (len bytes, not necessarily NUL-terminated) and fill
 *		result as spec asks.
 *
 * spec->records_path "" makes the document itself the records (an array of
 * objects or one object); NULL asks for no records.  Otherwise the document
 * must be an object.  A record array's elements are numbered from 1 in
 * messages.
 *
 * Returns false with result->error set (a palloc'd sentence) when the body
 * is not valid JSON, is nested too deeply, has a duplicate key in the
 * top-level object, an object on a wanted path or a record, or has records
 * of the wrong shape; the other members of result are then meaningless.
 * A syntax error is reported even when a callback found a problem first.
 * Everything is palloc'd in CurrentMemoryContext.  In the backend, jsonapi
 * may also ereport (stack depth, out of memory, a \u escape that has no
 * equivalent in the database encoding).
 */
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
		result->error = psprintf("JSON nested deeper than %d levels",
								 CR_MAX_JSON_DEPTH);
		return false;
	}
	if (len > (size_t) PG_INT32_MAX)
	{
		result->error = pstrdup("the JSON document is too large");
		return false;
	}

	memset(&st, 0, sizeof(st));
	st.spec = spec;
	st.res = result;
	st.cur_row = -1;
#ifdef FRONTEND
	st.encoding = PG_UTF8;
#else
	st.encoding = GetDatabaseEncoding();
#endif

	/* paths: env paths, then the records path */
	st.npaths = spec->nenv + 1;
	st.paths = palloc(sizeof(char *) * st.npaths);
	for (i = 0; i < st.npaths; i++)
	{
		const char *path;
		const char *q;
		int			nsegs = 1;

		if (i < spec->nenv)
			path = spec->env_paths[i];
		else
			path = spec->records_path;
		st.paths[i] = NULL;
		if (path == NULL || path[0] == '\0')
			continue;
		for (q = path; *q; q++)
			if (*q == '.')
				nsegs++;
		st.paths[i] = path;
		st.maxsegs = Max(st.maxsegs, Min(nsegs, CR_MAX_JSON_DEPTH));
	}
	st.records_top = spec->records_path != NULL &&
		spec->records_path[0] == '\0';
	st.alive = palloc(sizeof(int *) * Max(st.maxsegs, 1));
	for (i = 0; i < st.maxsegs; i++)
		st.alive[i] = palloc(sizeof(int) * st.npaths);
	st.env_next = chain_equal(spec->env_paths, spec->nenv);
	st.field_next = chain_equal(spec->fields, spec->nfields);
	st.follows = palloc(sizeof(int) * (spec->nfields + 1));
	for (i = 0; i <= spec->nfields; i++)
		st.follows[i] = -1;
	st.last_field = spec->nfields;

	st.lex = makeJsonLexContextCstringLen(body, (int) len, st.encoding, true);

	memset(&sem, 0, sizeof(sem));
	sem.semstate = &st;
	sem.object_start = walk_object_start;
	sem.object_end = walk_end;
	sem.array_start = walk_array_start;
	sem.array_end = walk_end;
	sem.object_field_start = walk_field_start;
	sem.scalar = walk_scalar;

	rc = pg_parse_json(st.lex, &sem);

	/* a syntax error says more than what the callbacks saw before it */
	if (rc != JSON_SUCCESS)
	{
		if (result->error != NULL)
			pfree(result->error);
		result->error = describe_parse_error(rc, st.lex);
	}

	/* release the walker's own memory; the lexer keeps a copy of strings */
	while (st.depth > 0)
	{
		if (st.depth <= CR_MAX_JSON_DEPTH)
			keyset_free(&st.frames[st.depth - 1].keys);
		st.depth--;
	}
	if (st.lex->strval != NULL)
	{
		pfree(st.lex->strval->data);
		pfree(st.lex->strval);
	}
	pfree(st.lex);
	pfree(st.paths);
	for (i = 0; i < st.maxsegs; i++)
		pfree(st.alive[i]);
	pfree(st.alive);
	pfree(st.env_next);
	pfree(st.field_next);

	return result->error == NULL;
}
