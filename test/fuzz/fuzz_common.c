/*-------------------------------------------------------------------------
 *
 * fuzz_common.c
 *		  Per-input memory for the libFuzzer targets, the input header, and
 *		  the checks of decoded JSON.
 *
 * The code under test allocates with palloc and, as backend code, leaves
 * much of it to its memory context: read_page never frees the envelope
 * values it did not hand over, for one.  In a frontend build palloc is
 * malloc, so a long fuzzing run would grow without bound.  The Makefile
 * links every target with -Wl,--wrap for each allocation function of
 * libpgcommon's fe_memutils.o, so that every call, from our objects and
 * from libpgcommon's alike, comes here: blocks allocated while an input
 * runs are kept in a pointer set and freed by fz_end(), like a context
 * reset.  Each block is still its own malloc, so AddressSanitizer sees
 * every overrun and use after free.
 *
 * IDENTIFICATION
 *		  test/fuzz/fuzz_common.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "common/jsonapi.h"

#include "callrecord_fdw.h"
#include "fuzz_common.h"

/* MaxAllocHugeSize is in utils/memutils.h, a backend header */
#define FZ_MAX_ALLOC_HUGE	(SIZE_MAX / 2)

void
fz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "\nINVARIANT FAILED at %s:%d: %s\n", file, line, what);
	fflush(stderr);
	abort();
}

/* ------------------------------------------------------------------------
 * Pointer set of the blocks allocated by the current input
 * ------------------------------------------------------------------------
 */

#define SET_TOMB	((void *) 1)

static bool tracking = false;
static void **set_slots = NULL;
static size_t set_size = 0;		/* a power of 2, or 0 */
static size_t set_used = 0;		/* live entries plus tombstones */
static size_t set_live = 0;

static size_t
set_hash(void *p)
{
	uint64		h = (uint64) (uintptr_t) p;

	h ^= h >> 33;
	h *= UINT64CONST(0xff51afd7ed558ccd);
	h ^= h >> 33;
	return (size_t) h;
}

static void set_add(void *p);

static void
set_grow(void)
{
	void	  **old = set_slots;
	size_t		oldsize = set_size;
	size_t		i;

	/* only live entries move: tombstones may leave the size as it was */
	set_size = 1024;
	while ((set_live + 1) * 4 > set_size)
		set_size *= 2;
	set_slots = calloc(set_size, sizeof(void *));
	if (set_slots == NULL)
		fz_fail(__FILE__, __LINE__, "out of memory in the pointer set");
	set_used = 0;
	set_live = 0;
	for (i = 0; i < oldsize; i++)
		if (old[i] != NULL && old[i] != SET_TOMB)
			set_add(old[i]);
	free(old);
}

static void
set_add(void *p)
{
	size_t		mask;
	size_t		i;

	if ((set_used + 1) * 2 > set_size)
		set_grow();
	mask = set_size - 1;
	for (i = set_hash(p) & mask; set_slots[i] != NULL && set_slots[i] != SET_TOMB;
		 i = (i + 1) & mask)
		;
	if (set_slots[i] == NULL)
		set_used++;
	set_slots[i] = p;
	set_live++;
}

/* Remove p; false if it is not in the set. */
static bool
set_remove(void *p)
{
	size_t		mask;
	size_t		i;

	if (set_size == 0)
		return false;
	mask = set_size - 1;
	for (i = set_hash(p) & mask; set_slots[i] != NULL; i = (i + 1) & mask)
	{
		if (set_slots[i] == p)
		{
			set_slots[i] = SET_TOMB;
			set_live--;
			return true;
		}
	}
	return false;
}

void
fz_begin(void)
{
	tracking = true;
}

int
fz_end(void)
{
	size_t		i;
	int			left = 0;

	tracking = false;
	for (i = 0; i < set_size; i++)
	{
		if (set_slots[i] != NULL && set_slots[i] != SET_TOMB)
		{
			free(set_slots[i]);
			left++;
		}
		set_slots[i] = NULL;
	}
	set_used = 0;
	set_live = 0;
	/* an input that allocated a lot does not slow down the next ones */
	if (set_size > 4096)
	{
		free(set_slots);
		set_slots = NULL;
		set_size = 0;
	}
	return left;
}

/* ------------------------------------------------------------------------
 * The allocation functions (see the Makefile's --wrap list)
 * ------------------------------------------------------------------------
 */

extern void *__wrap_palloc(Size size);
extern void *__wrap_palloc0(Size size);
extern void *__wrap_palloc_extended(Size size, int flags);
extern void *__wrap_repalloc(void *pointer, Size size);
extern void __wrap_pfree(void *pointer);
extern char *__wrap_pstrdup(const char *in);
extern char *__wrap_pnstrdup(const char *in, Size size);
extern void *__wrap_palloc_mul(Size s1, Size s2);
extern void *__wrap_palloc0_mul(Size s1, Size s2);
extern void *__wrap_palloc_mul_extended(Size s1, Size s2, int flags);
extern void *__wrap_repalloc_mul(void *p, Size s1, Size s2);
extern void *__wrap_pg_malloc(size_t size);
extern void *__wrap_pg_malloc0(size_t size);
extern void *__wrap_pg_malloc_extended(size_t size, int flags);
extern void *__wrap_pg_realloc(void *pointer, size_t size);
extern char *__wrap_pg_strdup(const char *in);
extern void __wrap_pg_free(void *pointer);
extern void *__wrap_pg_malloc_mul(Size s1, Size s2);
extern void *__wrap_pg_malloc0_mul(Size s1, Size s2);
extern void *__wrap_pg_malloc_mul_extended(Size s1, Size s2, int flags);
extern void *__wrap_pg_realloc_mul(void *p, Size s1, Size s2);

/*
 * Allocate.  backend: check the request as the backend's palloc does
 * (an ERROR there; an abort here, so the fuzzer reports it).
 */
static void *
fz_alloc(size_t size, int flags, bool backend)
{
	void	   *p;

	if (backend && !(flags & MCXT_ALLOC_HUGE) && size > MaxAllocSize)
		fz_fail(__FILE__, __LINE__,
				"palloc request over MaxAllocSize: the backend would raise \"invalid memory alloc request size\"");
	if (size > FZ_MAX_ALLOC_HUGE)
		fz_fail(__FILE__, __LINE__, "allocation request over MaxAllocHugeSize");
	p = (flags & MCXT_ALLOC_ZERO) ? calloc(1, Max(size, 1)) : malloc(Max(size, 1));
	if (p == NULL)
	{
		if (flags & MCXT_ALLOC_NO_OOM)
			return NULL;
		fz_fail(__FILE__, __LINE__, "out of memory");
	}
	if (tracking)
		set_add(p);
	return p;
}

static void *
fz_realloc(void *pointer, size_t size, bool backend)
{
	bool		tracked;
	void	   *p;

	if (pointer == NULL)
	{
		if (backend)
			fz_fail(__FILE__, __LINE__, "repalloc(NULL): the backend would crash");
		return fz_alloc(size, 0, false);
	}
	if (backend && size > MaxAllocSize)
		fz_fail(__FILE__, __LINE__,
				"repalloc request over MaxAllocSize: the backend would raise \"invalid memory alloc request size\"");
	tracked = set_remove(pointer);
	p = realloc(pointer, Max(size, 1));
	if (p == NULL)
		fz_fail(__FILE__, __LINE__, "out of memory");
	if (tracked)
		set_add(p);
	return p;
}

static void
fz_free(void *pointer, bool backend)
{
	if (pointer == NULL)
	{
		if (backend)
			fz_fail(__FILE__, __LINE__, "pfree(NULL): the backend would crash");
		return;
	}
	(void) set_remove(pointer);
	free(pointer);
}

static size_t
fz_mul(size_t s1, size_t s2)
{
	if (s1 != 0 && s2 > SIZE_MAX / s1)
		fz_fail(__FILE__, __LINE__, "allocation size overflows");
	return s1 * s2;
}

void *
__wrap_palloc(Size size)
{
	return fz_alloc(size, 0, true);
}

void *
__wrap_palloc0(Size size)
{
	return fz_alloc(size, MCXT_ALLOC_ZERO, true);
}

void *
__wrap_palloc_extended(Size size, int flags)
{
	return fz_alloc(size, flags, true);
}

void *
__wrap_repalloc(void *pointer, Size size)
{
	return fz_realloc(pointer, size, true);
}

void
__wrap_pfree(void *pointer)
{
	fz_free(pointer, true);
}

char *
__wrap_pstrdup(const char *in)
{
	size_t		len = strlen(in);
	char	   *s = fz_alloc(len + 1, 0, true);

	memcpy(s, in, len + 1);
	return s;
}

char *
__wrap_pnstrdup(const char *in, Size size)
{
	size_t		len = strnlen(in, size);
	char	   *s = fz_alloc(len + 1, 0, true);

	memcpy(s, in, len);
	s[len] = '\0';
	return s;
}

void *
__wrap_palloc_mul(Size s1, Size s2)
{
	return fz_alloc(fz_mul(s1, s2), 0, true);
}

void *
__wrap_palloc0_mul(Size s1, Size s2)
{
	return fz_alloc(fz_mul(s1, s2), MCXT_ALLOC_ZERO, true);
}

void *
__wrap_palloc_mul_extended(Size s1, Size s2, int flags)
{
	return fz_alloc(fz_mul(s1, s2), flags, true);
}

void *
__wrap_repalloc_mul(void *p, Size s1, Size s2)
{
	return fz_realloc(p, fz_mul(s1, s2), true);
}

void *
__wrap_pg_malloc(size_t size)
{
	return fz_alloc(size, 0, false);
}

void *
__wrap_pg_malloc0(size_t size)
{
	return fz_alloc(size, MCXT_ALLOC_ZERO, false);
}

void *
__wrap_pg_malloc_extended(size_t size, int flags)
{
	return fz_alloc(size, flags, false);
}

void *
__wrap_pg_realloc(void *pointer, size_t size)
{
	return fz_realloc(pointer, size, false);
}

char *
__wrap_pg_strdup(const char *in)
{
	size_t		len = strlen(in);
	char	   *s = fz_alloc(len + 1, 0, false);

	memcpy(s, in, len + 1);
	return s;
}

void
__wrap_pg_free(void *pointer)
{
	fz_free(pointer, false);
}

void *
__wrap_pg_malloc_mul(Size s1, Size s2)
{
	return fz_alloc(fz_mul(s1, s2), 0, false);
}

void *
__wrap_pg_malloc0_mul(Size s1, Size s2)
{
	return fz_alloc(fz_mul(s1, s2), MCXT_ALLOC_ZERO, false);
}

void *
__wrap_pg_malloc_mul_extended(Size s1, Size s2, int flags)
{
	return fz_alloc(fz_mul(s1, s2), flags, false);
}

void *
__wrap_pg_realloc_mul(void *p, Size s1, Size s2)
{
	return fz_realloc(p, fz_mul(s1, s2), false);
}

/* ------------------------------------------------------------------------
 * Input header
 * ------------------------------------------------------------------------
 */

void
fz_split_input(const uint8 *data, size_t size, FzInput *in)
{
	memset(in, 0, sizeof(FzInput));
	if (size < 2)
	{
		in->body = data;
		in->body_len = size;
		return;
	}
	in->flags = data[0];
	in->nchunks = data[1] & 0x0F;
	if ((size_t) in->nchunks > size - 2)
		in->nchunks = (int) (size - 2);
	in->chunk_len = data + 2;
	in->body = data + 2 + in->nchunks;
	in->body_len = size - 2 - in->nchunks;
}

/* ------------------------------------------------------------------------
 * Checks of decoded JSON
 * ------------------------------------------------------------------------
 */

/*
 * One value: its text is NUL-terminated (strlen runs to the end of the
 * allocation and no further, or AddressSanitizer reports it) and has the
 * shape of its type.
 */
void
fz_check_value(const CrJsonValue *v)
{
	size_t		len;

	switch (v->type)
	{
		case CR_JSON_ABSENT:
		case JSON_TOKEN_NULL:
			FZ_CHECK(v->str == NULL);
			return;
		case CR_JSON_OBJECT:
		case CR_JSON_ARRAY:
			FZ_CHECK(v->str != NULL);
			len = strlen(v->str);
			FZ_CHECK(len >= 2);
			FZ_CHECK(v->str[0] == (v->type == CR_JSON_OBJECT ? '{' : '['));
			FZ_CHECK(v->str[len - 1] == (v->type == CR_JSON_OBJECT ? '}' : ']'));
			return;
		case JSON_TOKEN_STRING:
			FZ_CHECK(v->str != NULL);
			(void) strlen(v->str);
			return;
		case JSON_TOKEN_NUMBER:
			FZ_CHECK(v->str != NULL);
			FZ_CHECK(strlen(v->str) > 0);
			return;
		case JSON_TOKEN_TRUE:
			FZ_CHECK(v->str != NULL && strcmp(v->str, "true") == 0);
			return;
		case JSON_TOKEN_FALSE:
			FZ_CHECK(v->str != NULL && strcmp(v->str, "false") == 0);
			return;
		default:
			FZ_CHECK(!"a value of an unknown type");
	}
}

/* The walker's contract, for one result. */
void
fz_check_result(const CrJsonSpec *spec, const CrJsonResult *res, bool ok)
{
	int			i;

	/* false exactly when there is an error, a sentence */
	FZ_CHECK(ok == (res->error == NULL));
	if (!ok)
	{
		FZ_CHECK(strlen(res->error) > 0);
		return;
	}

	FZ_CHECK(res->nrows >= 0);
	FZ_CHECK(res->records_found || res->nrows == 0);
	FZ_CHECK(res->env != NULL || spec->nenv == 0);
	for (i = 0; i < spec->nenv; i++)
		fz_check_value(&res->env[i]);
	if (res->nrows > 0 && spec->nfields > 0)
		FZ_CHECK(res->values != NULL);
	for (i = 0; i < res->nrows * spec->nfields; i++)
		fz_check_value(&res->values[i]);
	if (!spec->want_raw)
		FZ_CHECK(res->raw == NULL);
	else if (res->nrows > 0)
	{
		FZ_CHECK(res->raw != NULL);
		for (i = 0; i < res->nrows; i++)
		{
			size_t		len;

			FZ_CHECK(res->raw[i] != NULL);
			len = strlen(res->raw[i]);
			FZ_CHECK(len >= 2 && res->raw[i][0] == '{' &&
					 res->raw[i][len - 1] == '}');
		}
	}
}

bool
fz_same_value(const CrJsonValue *a, const CrJsonValue *b)
{
	if (a->type != b->type)
		return false;
	if (a->str == NULL || b->str == NULL)
		return a->str == b->str;
	return strcmp(a->str, b->str) == 0;
}

/* Two parses of the same bytes say the same. */
void
fz_same_result(const CrJsonSpec *spec, const CrJsonResult *a, bool ok_a,
			   const CrJsonResult *b, bool ok_b)
{
	int			i;

	FZ_CHECK(ok_a == ok_b);
	if (!ok_a)
	{
		FZ_CHECK(strcmp(a->error, b->error) == 0);
		return;
	}
	FZ_CHECK(a->records_found == b->records_found);
	FZ_CHECK(a->nrows == b->nrows);
	for (i = 0; i < spec->nenv; i++)
		FZ_CHECK(fz_same_value(&a->env[i], &b->env[i]));
	for (i = 0; i < a->nrows * spec->nfields; i++)
		FZ_CHECK(fz_same_value(&a->values[i], &b->values[i]));
	if (spec->want_raw)
		for (i = 0; i < a->nrows; i++)
			FZ_CHECK(strcmp(a->raw[i], b->raw[i]) == 0);
}
