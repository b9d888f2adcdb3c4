/*-------------------------------------------------------------------------
 *
 * fuzz_common.h
 *		  Shared pieces of the libFuzzer targets: per-input memory,
 *		  backend-faithful palloc checks, the input header that chooses chunk
 *		  splits, and the checks of decoded JSON.
 *
 * IDENTIFICATION
 *		  test/fuzz/fuzz_common.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

/* MemoryContext, which http.h uses; postgres.h brings it in the backend */
#include "utils/palloc.h"

#include "callrecord_fdw.h"

/*
 * A failed invariant: say which and abort, so that libFuzzer keeps the
 * input as a crash and the message is in its log.
 */
#define FZ_CHECK(cond) \
	do { \
		if (!(cond)) \
			fz_fail(__FILE__, __LINE__, #cond); \
	} while (0)

extern void fz_fail(const char *file, int line, const char *what) pg_attribute_noreturn();

/*
 * Per-input memory.  Between fz_begin() and fz_end() every palloc-family
 * allocation (the linker wraps them all, see the Makefile) is remembered,
 * and fz_end() frees whatever the code under test left behind, as the
 * backend's memory contexts would.  Outside, allocations are kept.
 *
 * Like the backend, the wrappers abort on pfree(NULL), repalloc(NULL) and
 * requests over MaxAllocSize, which the frontend's malloc-based palloc
 * would let pass.
 */
extern void fz_begin(void);
extern int	fz_end(void);		/* returns the number of blocks left over */

/*
 * The input header of the response targets:
 *
 *	byte 0		flags, for the target (status, want_raw, endpoint ...)
 *	byte 1		low 4 bits: number n of chunk lengths that follow
 *	n bytes		lengths of the first n chunks the transport receives,
 *				0 .. 255 each (a zero-length write included)
 *	the rest	the response body; what the lengths do not cover is the
 *				last chunk
 *
 * An input shorter than the header is a body of one chunk with flags 0.
 */
typedef struct FzInput
{
	uint8		flags;
	int			nchunks;
	const uint8 *chunk_len;
	const uint8 *body;
	size_t		body_len;
} FzInput;

extern void fz_split_input(const uint8 *data, size_t size, FzInput *in);

/* in fz_http.c: the transport's own code (src/http.c) */
extern void fz_receive(const FzInput *in, CrHttpResponse *resp);
extern void fz_header_line(const char *request_id_header, const char *line,
						   size_t len, double *retry_after_s,
						   char **request_id);
extern bool fz_transfer_origin(const char *url, char **scheme, char **host,
							   int *port);

/* checks of decoded JSON */
extern void fz_check_value(const CrJsonValue *v);
extern void fz_check_result(const CrJsonSpec *spec, const CrJsonResult *res,
							bool ok);
extern void fz_same_result(const CrJsonSpec *spec, const CrJsonResult *a,
						   bool ok_a, const CrJsonResult *b, bool ok_b);
extern bool fz_same_value(const CrJsonValue *a, const CrJsonValue *b);

#endif							/* FUZZ_COMMON_H */
