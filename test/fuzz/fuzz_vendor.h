/*-------------------------------------------------------------------------
 *
 * fuzz_vendor.h
 *		  The driver shared by the response decoder targets (fuzz_ucloud,
 *		  fuzz_msgraph, fuzz_alibaba, fuzz_tencent).
 *
 * Each target builds its provider's resource table, envelope paths and
 * read_page function from src/providers/<vendor>.c (extract.awk) and hands
 * them to fz_vendor_run() with the input.
 *
 * IDENTIFICATION
 *		  test/fuzz/fuzz_vendor.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef FUZZ_VENDOR_H
#define FUZZ_VENDOR_H

#include "callrecord_fdw.h"
#include "fuzz_common.h"

typedef void (*FzReadPage) (const CrHttpResponse *resp,
							const CrRequestSpec *spec,
							const char *const *fields, int nfields,
							bool want_raw, CrPage *page);

typedef struct FzVendor FzVendor;

/* What one input made: for the vendor's own checks. */
typedef struct FzRun
{
	const FzVendor *vendor;
	const CrOptions *opts;
	const CrHttpResponse *resp;
	const CrJsonSpec *spec;		/* the provider's, want_raw as the input says */
	const CrJsonResult *jr;		/* the walker on the transport's body */
	bool		ok;
	const CrPage *page;			/* read_page on the same response */
} FzRun;

struct FzVendor
{
	const char *name;
	const CrResource *resource; /* the provider's (only) resource */
	const char *const *env_paths;	/* read_page's envelope paths */
	int			nenv;
	FzReadPage	read_page;
	bool		header_request_id;	/* the provider reads a request id header */
	const char *const *endpoints;	/* NULL-terminated, the default first */
	void		(*check) (const FzRun *run);	/* or NULL */
};

/*
 * Input flags (byte 0 of the header, see fuzz_common.h):
 *	bit 0		want_raw (a column with field '*')
 *	bits 1-3	HTTP status, from fz_statuses
 *	bit 4		the transport got a request id header
 *	bits 5-7	endpoint, index into the vendor's list (modulo its length)
 */
#define FZ_FLAG_RAW			0x01
#define FZ_STATUS(flags)	(((flags) >> 1) & 0x07)
#define FZ_FLAG_HDR_ID		0x10
#define FZ_ENDPOINT(flags)	(((flags) >> 5) & 0x07)

extern int	fz_vendor_run(const FzVendor *v, const uint8 *data, size_t size);

/*
 * The values of column col of the resource in row r, or NULL when the
 * column is not read from a field.
 */
extern const CrJsonValue *fz_column_value(const FzRun *run, int col, int r);

#endif							/* FUZZ_VENDOR_H */
