/*-------------------------------------------------------------------------
 *
 * fuzz_vendor.c
 *		  The driver shared by the response decoder targets.
 *
 * For each input (see fuzz_common.h and fuzz_vendor.h for its layout):
 *
 *	1. the transport's write callback (src/http.c) receives the body in the
 *	   chunks the input chooses, and the response is made as the transport
 *	   makes it;
 *	2. the JSON walker (src/json.c) parses that body with the provider's
 *	   records path, envelope paths and the JSON fields of all its columns;
 *	   the result must keep the walker's contract, and the walker must not
 *	   write to the body;
 *	3. the walker parses the same bytes again, from a buffer of exactly
 *	   their size (no NUL after them), and must say the same;
 *	4. the provider's read_page (src/providers/<vendor>.c) decodes the
 *	   response, with the status the input chooses; the page must be
 *	   consistent, and a page it accepts must hold the rows of step 2;
 *	5. every epoch number of a timestamptz column goes through
 *	   cr_epoch_to_us (src/convert.c) as the scan would convert it; what it
 *	   accepts must be a valid timestamptz;
 *	6. the vendor's own checks.
 *
 * IDENTIFICATION
 *		  test/fuzz/fuzz_vendor.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <math.h>

#include "common/jsonapi.h"
#include "datatype/timestamp.h"

#include "callrecord_fdw.h"
#include "fuzz_vendor.h"

/* convert.h needs the backend */
extern bool cr_epoch_to_us(const char *s, int64 *us);

#include "gen/convert_fe.inc"

/* the statuses an input can choose: mostly 200, some 2xx, errors */
static const long fz_statuses[8] = {200, 200, 200, 204, 400, 401, 429, 503};

/* the scan's field list: every column's field and fallback field, once */
static const FzVendor *fields_of = NULL;
static const char **fields = NULL;
static int	nfields = 0;
static int *col_field = NULL;	/* per column: index in fields, or -1 */
static int *col_alt = NULL;

static int
add_field(const char *name)
{
	int			i;

	for (i = 0; i < nfields; i++)
		if (strcmp(fields[i], name) == 0)
			return i;
	fields[nfields] = name;
	return nfields++;
}

/* Once per process, outside any input's memory. */
static void
build_fields(const FzVendor *v)
{
	const CrResource *res = v->resource;
	int			c;

	if (fields_of == v)
		return;
	fields = malloc(sizeof(char *) * (2 * res->ncolumns + 1));
	col_field = malloc(sizeof(int) * res->ncolumns);
	col_alt = malloc(sizeof(int) * res->ncolumns);
	nfields = 0;

	/* the time column first, as the scan adds it */
	for (c = 0; c < res->ncolumns; c++)
		col_field[c] = col_alt[c] = -1;
	c = res->time_column;
	if (res->columns[c].source == CR_SRC_FIELD && res->columns[c].field)
	{
		col_field[c] = add_field(res->columns[c].field);
		if (res->columns[c].alt_field)
			col_alt[c] = add_field(res->columns[c].alt_field);
	}
	for (c = 0; c < res->ncolumns; c++)
	{
		if (res->columns[c].source != CR_SRC_FIELD || res->columns[c].field == NULL)
			continue;
		col_field[c] = add_field(res->columns[c].field);
		if (res->columns[c].alt_field)
			col_alt[c] = add_field(res->columns[c].alt_field);
	}
	fields_of = v;
}

const CrJsonValue *
fz_column_value(const FzRun *run, int col, int r)
{
	const CrPage *page = run->page;
	const CrJsonValue *val;

	if (col_field[col] < 0)
		return NULL;
	/* row_value() of src/scan.c */
	val = &page->values[r * page->nfields + col_field[col]];
	if (val->type == CR_JSON_ABSENT && col_alt[col] >= 0)
		val = &page->values[r * page->nfields + col_alt[col]];
	return val;
}

static void
check_page(const FzRun *run)
{
	const CrPage *page = run->page;
	const CrJsonResult *jr = run->jr;
	int			i;

	FZ_CHECK(page->outcome == CR_OUTCOME_OK ||
			 page->outcome == CR_OUTCOME_VENDOR_ERROR ||
			 page->outcome == CR_OUTCOME_MALFORMED);
	FZ_CHECK(page->retry == CR_RETRY_NO || page->retry == CR_RETRY_YES ||
			 page->retry == CR_RETRY_THROTTLE || page->retry == CR_RETRY_REAUTH);
	if (page->request_id)
		(void) strlen(page->request_id);

	switch (page->outcome)
	{
		case CR_OUTCOME_OK:
			/* a page is accepted only when the body parsed: the same rows */
			FZ_CHECK(run->ok);
			FZ_CHECK(page->retry == CR_RETRY_NO);
			/*
			 * The engine reads total and next_url only from an accepted
			 * page (check_page() in src/scan.c): a refused page may hold
			 * what read_page set before it refused.
			 */
			FZ_CHECK(page->total >= -1);
			FZ_CHECK(page->error_code == NULL && page->error_message == NULL);
			FZ_CHECK(page->nfields == nfields);
			FZ_CHECK(page->nrows == jr->nrows);
			for (i = 0; i < page->nrows * nfields; i++)
				FZ_CHECK(fz_same_value(&page->values[i], &jr->values[i]));
			if (run->spec->want_raw)
				for (i = 0; i < page->nrows; i++)
					FZ_CHECK(strcmp(page->raw[i], jr->raw[i]) == 0);
			else
				FZ_CHECK(page->raw == NULL);
			break;
		case CR_OUTCOME_VENDOR_ERROR:
			FZ_CHECK(page->error_code != NULL && strlen(page->error_code) > 0);
			FZ_CHECK(page->error_message != NULL);
			(void) strlen(page->error_message);
			FZ_CHECK(page->nrows == 0);
			break;
		case CR_OUTCOME_MALFORMED:
			FZ_CHECK(page->error_message != NULL && strlen(page->error_message) > 0);
			FZ_CHECK(page->nrows == 0);
			break;
	}
}

/* Step 5: epoch numbers as cr_convert_value() converts them. */
static void
check_epochs(const FzRun *run)
{
	const CrResource *res = run->vendor->resource;
	int			c;
	int			r;

	for (c = 0; c < res->ncolumns; c++)
	{
		if (res->columns[c].conv != CR_CONV_EPOCH || col_field[c] < 0)
			continue;
		for (r = 0; r < run->page->nrows; r++)
		{
			const CrJsonValue *val = fz_column_value(run, c, r);
			int64		us;

			if (val->type != JSON_TOKEN_NUMBER)
				continue;
			if (!cr_epoch_to_us(val->str, &us))
				continue;
			/* the Datum is us - UNIX_TO_PG_US: a timestamptz in range */
			FZ_CHECK(IS_VALID_TIMESTAMP(us - UNIX_TO_PG_US));
		}
	}
}

int
fz_vendor_run(const FzVendor *v, const uint8 *data, size_t size)
{
	FzInput		in;
	CrHttpResponse resp;
	CrOptions	opts;
	CrRequestSpec rspec;
	CrJsonSpec	spec;
	CrJsonResult jr;
	CrJsonResult jr2;
	CrPage		page;
	FzRun		run;
	bool		ok;
	bool		ok2;
	char	   *copy;
	char	   *exact;
	int			nendpoints;

	build_fields(v);
	for (nendpoints = 0; v->endpoints[nendpoints]; nendpoints++)
		;

	fz_begin();
	fz_split_input(data, size, &in);

	/* 1. the transport */
	fz_receive(&in, &resp);
	resp.status = fz_statuses[FZ_STATUS(in.flags)];
	if (v->header_request_id && (in.flags & FZ_FLAG_HDR_ID))
		resp.request_id = pstrdup("0e2ce2f1-hdr-request-id");

	/* 2. the walker, as cr_parse_body() calls it */
	memset(&spec, 0, sizeof(spec));
	spec.records_path = v->resource->records_path;
	spec.env_paths = v->env_paths;
	spec.nenv = v->nenv;
	spec.fields = fields;
	spec.nfields = nfields;
	spec.want_raw = (in.flags & FZ_FLAG_RAW) != 0;

	copy = palloc(resp.body_len + 1);
	memcpy(copy, resp.body, resp.body_len + 1);
	ok = cr_json_parse(resp.body, resp.body_len, &spec, &jr);
	fz_check_result(&spec, &jr, ok);
	FZ_CHECK(memcmp(copy, resp.body, resp.body_len + 1) == 0);

	/* 3. again, from a buffer of exactly the body's size */
	exact = palloc(Max(resp.body_len, 1));
	memcpy(exact, resp.body, resp.body_len);
	ok2 = cr_json_parse(exact, resp.body_len, &spec, &jr2);
	fz_check_result(&spec, &jr2, ok2);
	fz_same_result(&spec, &jr, ok, &jr2, ok2);

	/* 4. the provider */
	memset(&opts, 0, sizeof(opts));
	opts.resource = v->resource;
	opts.endpoint = (char *) v->endpoints[FZ_ENDPOINT(in.flags) % nendpoints];
	opts.time_zone = "Asia/Shanghai";
	opts.signature_version = "v3";
	memset(&rspec, 0, sizeof(rspec));
	rspec.opts = &opts;
	rspec.page_size = 100;
	memset(&page, 0, sizeof(page));
	v->read_page(&resp, &rspec, fields, nfields, spec.want_raw, &page);

	memset(&run, 0, sizeof(run));
	run.vendor = v;
	run.opts = &opts;
	run.resp = &resp;
	run.spec = &spec;
	run.jr = &jr;
	run.ok = ok;
	run.page = &page;
	check_page(&run);

	/* 5. epoch numbers */
	if (page.outcome == CR_OUTCOME_OK)
		check_epochs(&run);

	/* 6. the vendor's own */
	if (v->check)
		v->check(&run);

	fz_end();
	return 0;
}
