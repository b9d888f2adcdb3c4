/*-------------------------------------------------------------------------
 *
 * scan.c
 *		  Begin/Iterate/ReScan/End: the request queue, paging, LIMIT stop,
 *		  rows out, counters, EXPLAIN, and the one place where a failed
 *		  request becomes an ERROR.
 *
 * A scan walks series (one per fan-out combination and window, in order)
 * and their pages.  Requests are issued in that order, up to "concurrency"
 * at once and no faster than "requests_per_second" per account; responses
 * are decoded as they arrive, each into its own page-sized memory context,
 * and rows come out strictly in series and page order.  At most
 * "concurrency" pages are held at once (in flight or decoded and waiting),
 * so a scan's memory is bounded by page size x concurrency.
 *
 * A row is emitted only by the window its own time falls in, [start, end),
 * so a row that two neighbouring windows both return comes out once.
 *
 * IDENTIFICATION
 *		  src/scan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/table.h"
#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/timestamp.h"
#include "access/xact.h"

#include "callrecord_fdw.h"
#include "convert.h"
#include "http.h"
#include "plan.h"
#include "provider.h"
#include "reqplan.h"
#include "scan.h"
#include "stats.h"

#define UNIX_TO_PG_US ((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY)

typedef enum CrReqState
{
	REQ_RETRY_WAIT,				/* failed, waiting to be sent again */
	REQ_INFLIGHT,
	REQ_DONE					/* decoded, rows waiting to go out */
} CrReqState;

typedef struct CrReq
{
	int			series;
	int			page;
	int			attempt;		/* retries so far */
	bool		reauthed;		/* already retried with a renewed credential */
	int64		sent_us;		/* when the current attempt was sent */
	CrReqState	state;
	int			tag;
	int64		not_before_us;
	MemoryContext cxt;			/* the decoded page */
	CrPage		data;
	char	   *next_url;		/* the link this page was fetched from */
} CrReq;

typedef struct CrSeries
{
	int			combo;
	int			window;
	int			npages;			/* pages known to exist; -1 before page 0 */
	int			next_issue;		/* next page (> 0) not yet issued */
	int64		total;
	char	   *next_url;		/* link to page npages-1, for linked paging */
} CrSeries;

typedef struct CrScanState
{
	/* fixed for the scan */
	Relation	rel;
	CrOptions  *opts;
	const CrProvider *prov;
	const CrResource *res;
	CrAccount  *acct;
	List	   *pushed;			/* IntList (colidx, op) per fdw_expr */
	List	   *exprstates;
	int			order;
	bool		lazy;
	bool		has_exec_params;
	MemoryContext scan_cxt;		/* handles, request plan, series */
	MemoryContext row_cxt;		/* per tuple */
	MemoryContext landing_cxt;	/* the next response lands here */
	CrHttp	   *http;

	/* columns */
	CrAttConv  *conv;
	int			nconv;
	const char **fields;
	int			nfields;
	int			time_field;
	int			time_alt_field;
	bool		want_raw;

	/* the current request plan */
	CrReqPlan  *rp;
	CrSeries   *series;
	int			nseries;
	int			frontier;		/* first series whose page 0 is not issued */
	List	   *reqs;			/* CrReq * not yet emitted */
	int			next_tag;
	int			max_ahead;

	/* emission */
	bool		started;
	int			cur_series;
	int			cur_page;
	CrReq	   *cur;
	int			cur_row;

	/* counters for EXPLAIN ANALYZE */
	int64		n_requests;
	int64		n_retries;
	int64		n_throttled;
	int64		throttle_wait_us;
	int64		bytes;
	int64		rows_out;

	/* the session's statistics of this server, and progress reports */
	CrStats    *stats;
	int64		started_us;
	int64		last_progress_us;

	/* for the error context */
	CrReq	   *err_req;
	CrAttConv  *err_conv;
} CrScanState;

static void start_scan(CrScanState *ss, ExprContext *econtext);
static void release_departure(void *arg, int64 sent_us);
static void reset_requests(CrScanState *ss);

/* ------------------------------------------------------------------------
 * Messages
 * ------------------------------------------------------------------------
 */

static char *format_us(int64 us);

/* A window or range bound for messages: a day for day windows. */
static char *
format_bound(CrScanState *ss, int64 us)
{
	if (ss->prov->limits.day_windows)
		return DatumGetCString(DirectFunctionCall1(date_out,
												   DateADTGetDatum((DateADT) ((us - UNIX_TO_PG_US) / USECS_PER_DAY))));
	return format_us(us);
}

static char *
format_us(int64 us)
{
	TimestampTz ts = us - UNIX_TO_PG_US;
	struct pg_tm tm;
	fsec_t		fsec;
	char		buf[MAXDATELEN + 1];

	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		return pstrdup("(out of range)");
	EncodeDateTime(&tm, fsec, true, 0, NULL, USE_ISO_DATES, buf);
	return psprintf("%sZ", buf);
}

/*
 * Error context: which table, window and page.  It must not touch the
 * catalogs: it can run during abort.  The relation name was copied at
 * Begin.
 */
typedef struct CrErrCtx
{
	CrScanState *ss;
	const char *relname;
} CrErrCtx;

static void
scan_error_callback(void *arg)
{
	CrErrCtx   *ec = (CrErrCtx *) arg;
	CrScanState *ss = ec->ss;

	if (ss->err_conv)
		errcontext("column \"%s\" of foreign table \"%s\", from %s field \"%s\"",
				   ss->err_conv->attname, ec->relname, ss->prov->name,
				   ss->err_conv->fieldname ? ss->err_conv->fieldname : "*");
	if (ss->err_req && ss->rp && ss->err_req->series < ss->nseries)
	{
		CrSeries   *s = &ss->series[ss->err_req->series];

		if (ss->prov->limits.day_windows)
			errcontext("%s %s, day %s, foreign table \"%s\"",
					   ss->prov->name, ss->res->action,
					   format_bound(ss, ss->rp->wstart[s->window]), ec->relname);
		else
			errcontext("%s %s, window %s to %s, page %d, foreign table \"%s\"",
					   ss->prov->name, ss->res->action,
					   format_us(ss->rp->wstart[s->window]),
					   format_us(ss->rp->wend[s->window]),
					   ss->err_req->page, ec->relname);
	}
}

#define WITH_ERRCTX(ss) \
	ErrorContextCallback errcb; \
	CrErrCtx	errctx; \
	errctx.ss = (ss); \
	errctx.relname = RelationGetRelationName((ss)->rel); \
	errcb.callback = scan_error_callback; \
	errcb.arg = &errctx; \
	errcb.previous = error_context_stack; \
	error_context_stack = &errcb

#define END_ERRCTX() (error_context_stack = errcb.previous)

/*
 * The single place where a failed request becomes an ERROR: it names the
 * provider, the action, the vendor's code and message, and the request id.
 */
static void
cr_report_vendor_error(CrScanState *ss, CrReq *req, const CrHttpResponse *resp,
					   bool gave_up)
{
	const CrPage *pg = &req->data;
	int			retries = req->attempt;

	ss->err_req = req;
	if (ss->stats)
		ss->stats->errors++;
	if (resp && resp->transport_failed)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
				 errmsg_internal("could not complete %s %s request: %s",
								 ss->prov->name, ss->res->action, resp->error),
				 resp->request_id ? errdetail_internal("Request id: %s.", resp->request_id) : 0,
				 gave_up ? errhint("Gave up after %d retries (server option \"max_retries\").",
								   retries) : 0));
	if (pg->outcome == CR_OUTCOME_MALFORMED)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
				 errmsg_internal("%s %s returned a malformed response: %s",
								 ss->prov->name, ss->res->action,
								 pg->error_message ? pg->error_message : "unknown problem"),
				 pg->request_id ? errdetail_internal("Request id: %s.", pg->request_id) : 0));
	ereport(ERROR,
			(errcode(ERRCODE_FDW_ERROR),
			 errmsg_internal("%s %s failed: %s: %s",
							 ss->prov->name, ss->res->action,
							 pg->error_code ? pg->error_code : "error",
							 pg->error_message ? pg->error_message : "(no message)"),
			 pg->request_id ? errdetail_internal("Request id: %s.", pg->request_id) :
			 errdetail_internal("The response carried no request id."),
			 gave_up ? errhint("Gave up after %d retries (server option \"max_retries\").",
							   retries) : 0));
}

/* ------------------------------------------------------------------------
 * Begin
 * ------------------------------------------------------------------------
 */

static int
add_field(CrScanState *ss, const char *name)
{
	int			i;

	for (i = 0; i < ss->nfields; i++)
		if (strcmp(ss->fields[i], name) == 0)
			return i;
	ss->fields[ss->nfields] = name;
	return ss->nfields++;
}

/* The transport of a scan: one slot per request in flight. */
static CrHttp *
open_transport(CrScanState *ss)
{
	CrHttpConfig cfg;

	cfg.ca_file = ss->opts->ca_file;
	cfg.timeout_ms = ss->opts->timeout_ms;
	cfg.connect_timeout_ms = ss->opts->connect_timeout_ms;
	cfg.request_id_header = ss->prov->limits.request_id_header;
	cfg.slots = ss->lazy ? 1 : ss->opts->concurrency;
	cfg.on_release = ss->acct ? release_departure : NULL;
	cfg.on_release_arg = ss;
	return cr_http_create(ss->scan_cxt, &cfg);
}

static bool
contains_exec_param_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Param) && ((Param *) node)->paramkind == PARAM_EXEC)
		return true;
	return expression_tree_walker(node, contains_exec_param_walker, context);
}

void
cr_begin_foreign_scan(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	CrScanState *ss = palloc0(sizeof(CrScanState));
	Oid			relid;
	TupleDesc	tupdesc;
	int		   *attcol;
	List	   *attrs;
	ListCell   *lc;

	node->fdw_state = ss;
	ss->rel = node->ss.ss_currentRelation;
	relid = RelationGetRelid(ss->rel);
	ss->opts = cr_get_options(relid);
	ss->prov = ss->opts->provider;
	ss->res = ss->opts->resource;
	ss->pushed = (List *) list_nth(fsplan->fdw_private, CrPrivPushed);
	ss->order = intVal(list_nth(fsplan->fdw_private, CrPrivOrder));
	ss->lazy = intVal(list_nth(fsplan->fdw_private, CrPrivLazy)) != 0;
	attrs = (List *) list_nth(fsplan->fdw_private, CrPrivAttrs);
	ss->exprstates = ExecInitExprList(fsplan->fdw_exprs, (PlanState *) node);
	ss->has_exec_params = contains_exec_param_walker((Node *) fsplan->fdw_exprs, NULL);

	ss->scan_cxt = AllocSetContextCreate(estate->es_query_cxt,
										 "callrecord_fdw scan",
										 ALLOCSET_DEFAULT_SIZES);

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
	{
		/* plain EXPLAIN: the request plan if it needs no run-time value */
		if (!ss->has_exec_params)
			start_scan(ss, node->ss.ps.ps_ExprContext);
		return;
	}

	if (!ss->prov->can_scan)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("provider \"%s\" cannot be scanned by callrecord_fdw %s yet",
						ss->prov->name, CALLRECORD_FDW_VERSION),
				 errdetail("Its options, user mappings and IMPORT FOREIGN SCHEMA work; scanning it comes in a later version.")));

	/* credentials of the user the query runs as (SECURITY DEFINER too) */
	{
		RangeTblEntry *rte = exec_rt_fetch(fsplan->scan.scanrelid, estate);
		Oid			userid = OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
		ForeignTable *ft = GetForeignTable(relid);

		ss->acct = cr_get_account(ss->opts, userid, ft->serverid);
		ss->stats = cr_stats_entry(ft->serverid, ss->prov->name);
		ss->stats->scans++;
	}

	ss->row_cxt = AllocSetContextCreate(ss->scan_cxt, "callrecord_fdw row",
										ALLOCSET_SMALL_SIZES);

	/* columns: what to read from each record, and how */
	tupdesc = RelationGetDescr(ss->rel);
	attcol = palloc(sizeof(int) * Max(tupdesc->natts, 1));
	cr_map_columns(relid, ss->res, tupdesc, attcol);
	ss->conv = palloc0(sizeof(CrAttConv) * Max(list_length(attrs), 1));
	ss->fields = palloc0(sizeof(char *) * (2 * list_length(attrs) + 2));
	{
		const CrColumnDef *tcol = &ss->res->columns[ss->res->time_column];

		ss->time_field = tcol->field ? add_field(ss, tcol->field) : -1;
		ss->time_alt_field = tcol->alt_field ? add_field(ss, tcol->alt_field) : -1;
	}
	foreach(lc, attrs)
	{
		int			attnum = lfirst_int(lc);
		Form_pg_attribute att = TupleDescAttr(tupdesc, attnum - 1);
		CrAttConv  *ac = &ss->conv[ss->nconv++];
		char	   *field = cr_column_field(relid, attnum);
		int			c = attcol[attnum - 1];

		cr_attconv_init(ac, att);
		ac->field = ac->alt_field = -1;
		if (field && strcmp(field, "*") == 0)
		{
			if (!ac->is_json)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
						 errmsg("column \"%s\" has field '*' but is not of type json or jsonb",
								NameStr(att->attname))));
			ac->kind = CR_AC_RAW;
			ss->want_raw = true;
		}
		else if (c >= 0 && ss->res->columns[c].source == CR_SRC_FANOUT)
		{
			ac->kind = CR_AC_FANOUT;
			ac->fanout_param = ss->res->columns[c].eq_param;
		}
		else if (c >= 0 && ss->res->columns[c].source == CR_SRC_DAY)
			ac->kind = CR_AC_DAY;
		else if (field || c >= 0)
		{
			const CrColumnDef *col = c >= 0 ? &ss->res->columns[c] : NULL;

			ac->kind = CR_AC_FIELD;
			ac->fieldname = field ? field : col->field;
			ac->field = add_field(ss, ac->fieldname);
			/* the fallback field of the canonical column (CalledIspCode) */
			if (col && col->alt_field && strcmp(ac->fieldname, col->field) == 0)
				ac->alt_field = add_field(ss, col->alt_field);
		}
		else
			ac->kind = CR_AC_NULL;	/* a column matching no field is NULL */
	}

	ss->http = open_transport(ss);
	ss->max_ahead = ss->lazy ? 1 : ss->opts->concurrency;
}

/* ------------------------------------------------------------------------
 * The request plan
 * ------------------------------------------------------------------------
 */

static int64
datum_to_us(Datum d, Oid type)
{
	TimestampTz ts;

	switch (type)
	{
		case TIMESTAMPTZOID:
			ts = DatumGetTimestampTz(d);
			break;
		case TIMESTAMPOID:
			ts = DatumGetTimestampTz(DirectFunctionCall1(timestamp_timestamptz, d));
			break;
		case DATEOID:
			ts = DatumGetTimestampTz(DirectFunctionCall1(date_timestamptz, d));
			break;
		default:
			elog(ERROR, "callrecord_fdw cannot push a value of type %u", type);
	}
	/* infinities become the ends of time; history and now clamp them */
	if (TIMESTAMP_IS_NOBEGIN(ts))
		return PG_INT64_MIN / 2;
	if (TIMESTAMP_IS_NOEND(ts))
		return PG_INT64_MAX / 2;
	return ts + UNIX_TO_PG_US;
}

/*
 * A value compared with a date column (day windows): the local wall-clock
 * time it stands for, as naive unix us.  A date is its midnight; a
 * timestamptz is read in the session's time zone, as PostgreSQL does when
 * it compares a date with it.
 */
static int64
datum_to_naive_us(Datum d, Oid type)
{
	Timestamp	ts;

	switch (type)
	{
		case DATEOID:
			if (DATE_IS_NOBEGIN(DatumGetDateADT(d)))
				return PG_INT64_MIN / 2;
			if (DATE_IS_NOEND(DatumGetDateADT(d)))
				return PG_INT64_MAX / 2;
			return (int64) DatumGetDateADT(d) * USECS_PER_DAY + UNIX_TO_PG_US;
		case TIMESTAMPOID:
			ts = DatumGetTimestamp(d);
			break;
		case TIMESTAMPTZOID:
			ts = DatumGetTimestamp(DirectFunctionCall1(timestamptz_timestamp, d));
			break;
		default:
			elog(ERROR, "callrecord_fdw cannot push a value of type %u", type);
	}
	if (TIMESTAMP_IS_NOBEGIN(ts))
		return PG_INT64_MIN / 2;
	if (TIMESTAMP_IS_NOEND(ts))
		return PG_INT64_MAX / 2;
	return ts + UNIX_TO_PG_US;
}

static char *
datum_to_text(Datum d, Oid type)
{
	Oid			outfunc;
	bool		isvarlena;

	getTypeOutputInfo(type, &outfunc, &isvarlena);
	return OidOutputFunctionCall(outfunc, d);
}

/* Evaluate the pushed values and build the request plan and series. */
static void
start_scan(CrScanState *ss, ExprContext *econtext)
{
	MemoryContext old;
	int			n = list_length(ss->pushed);
	CrPushedValue *vals;
	ListCell   *lc1,
			   *lc2;
	int			i = 0;
	int			c,
				w;

	old = MemoryContextSwitchTo(ss->scan_cxt);
	vals = palloc0(sizeof(CrPushedValue) * Max(n, 1));
	forboth(lc1, ss->pushed, lc2, ss->exprstates)
	{
		List	   *p = (List *) lfirst(lc1);
		ExprState  *es = (ExprState *) lfirst(lc2);
		CrPushedValue *v = &vals[i++];
		Oid			type = exprType((Node *) es->expr);
		Datum		d;
		bool		isnull;

		v->colidx = linitial_int(p);
		v->op = lsecond_int(p);
		d = ExecEvalExpr(es, econtext, &isnull);
		v->isnull = isnull;
		if (isnull)
			continue;
		if ((ss->res->columns[v->colidx].push & CR_PUSH_RANGE) &&
			ss->prov->limits.day_windows)
			v->us = datum_to_naive_us(d, type);
		else if (ss->res->columns[v->colidx].push & CR_PUSH_RANGE)
			v->us = datum_to_us(d, type);
		else if (v->op == CR_OP_IN)
		{
			ArrayType  *arr = DatumGetArrayTypeP(d);
			Oid			elemtype = ARR_ELEMTYPE(arr);
			int16		typlen;
			bool		typbyval;
			char		typalign;
			Datum	   *elems;
			bool	   *nulls;
			int			nelems,
						k;

			get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
			deconstruct_array(arr, elemtype, typlen, typbyval, typalign,
							  &elems, &nulls, &nelems);
			v->texts = palloc(sizeof(char *) * Max(nelems, 1));
			for (k = 0; k < nelems; k++)
				if (!nulls[k])	/* NULL in an IN list matches nothing */
					v->texts[v->ntexts++] = datum_to_text(elems[k], elemtype);
		}
		else
		{
			v->texts = palloc(sizeof(char *));
			v->texts[0] = datum_to_text(d, type);
			v->ntexts = 1;
		}
	}
	{
		int64		now_us = GetCurrentTransactionStartTimestamp() + UNIX_TO_PG_US;

		/* day windows plan in the vendor's local days */
		if (ss->prov->limits.day_windows)
			now_us = cr_unix_to_naive(now_us, ss->opts->time_zone);
		ss->rp = cr_build_reqplan(ss->opts, vals, n, ss->order, now_us);
	}

	ss->nseries = ss->rp->empty ? 0 : ss->rp->ncombos * ss->rp->nwindows;
	ss->series = palloc0(sizeof(CrSeries) * Max(ss->nseries, 1));
	i = 0;
	for (c = 0; !ss->rp->empty && c < ss->rp->ncombos; c++)
		for (w = 0; w < ss->rp->nwindows; w++)
		{
			ss->series[i].combo = c;
			ss->series[i].window = w;
			ss->series[i].npages = -1;
			ss->series[i].next_issue = 1;
			ss->series[i].total = -1;
			i++;
		}
	ss->frontier = 0;
	ss->cur_series = 0;
	ss->cur_page = 0;
	ss->started = true;
	MemoryContextSwitchTo(old);
}

/* ------------------------------------------------------------------------
 * Requests
 * ------------------------------------------------------------------------
 */

static void
fill_spec(CrScanState *ss, CrReq *req, CrRequestSpec *spec)
{
	CrSeries   *s = &ss->series[req->series];

	memset(spec, 0, sizeof(CrRequestSpec));
	spec->opts = ss->opts;
	spec->start_us = ss->rp->wstart[s->window];
	spec->end_us = ss->rp->wend[s->window];
	spec->page = req->page;
	spec->page_size = ss->opts->page_size;
	spec->order_desc = (ss->order == CR_ORDER_DESC);
	spec->params = &ss->rp->params[s->combo * ss->rp->nparams];
	spec->nparams = ss->rp->nparams;
	spec->next_url = req->next_url;
}

static void
send_request(CrScanState *ss, CrReq *req, int64 now_us)
{
	CrRequestSpec spec;
	CrHttpRequest hreq;
	MemoryContext old = MemoryContextSwitchTo(ss->row_cxt);

	fill_spec(ss, req, &spec);
	memset(&hreq, 0, sizeof(hreq));

	/*
	 * The rate ceiling has booked this request: if it cannot be started
	 * (building it needs a token that cannot be had, say), give the booking
	 * back before the ERROR goes on.  Once started, the transport reports
	 * it (release_departure).
	 */
	PG_TRY();
	{
		ss->prov->build_request(&spec, ss->acct, &hreq);
		req->tag = ss->next_tag++;
		req->state = REQ_INFLIGHT;
		req->sent_us = now_us;
		cr_http_start(ss->http, req->tag, &hreq);
	}
	PG_CATCH();
	{
		cr_pacer_done(ss->acct, ss->opts->requests_per_second, false, now_us);
		PG_RE_THROW();
	}
	PG_END_TRY();
	ss->n_requests++;
	ss->stats->requests++;
	/* the request held the signature: wipe it */
	if (hreq.body)
		explicit_bzero(hreq.body, hreq.body_len);
	MemoryContextSwitchTo(old);
	MemoryContextReset(ss->row_cxt);
}

static int
count_state(CrScanState *ss, CrReqState st)
{
	ListCell   *lc;
	int			n = 0;

	foreach(lc, ss->reqs)
		if (((CrReq *) lfirst(lc))->state == st)
			n++;
	return n;
}

/*
 * Tell the account's rate ceiling which requests have left since the last
 * call, so that it may book the next one (see pacing.c).
 */
static void
report_departures(CrScanState *ss)
{
	int64		sent_us;

	while (cr_http_next_sent(ss->http, &sent_us))
		cr_pacer_done(ss->acct, ss->opts->requests_per_second, true, sent_us);
}

/*
 * The transport goes away with requests maybe still in flight (a rescan, a
 * LIMIT met, an ERROR): give the rate ceiling their departures, or their
 * bookings back if they never left.  Runs from a memory context callback
 * during abort too: it must not ereport (pacing takes only an LWLock).
 */
static void
release_departure(void *arg, int64 sent_us)
{
	CrScanState *ss = (CrScanState *) arg;

	cr_pacer_done(ss->acct, ss->opts->requests_per_second, sent_us != 0,
				  sent_us != 0 ? sent_us : cr_now_us());
}

/*
 * Issue what may be issued now, in (series, page) order.  Returns the
 * earliest time at which something more could be issued (0 = none known).
 */
static int64
issue_requests(CrScanState *ss)
{
	int64		wake = 0;

	for (;;)
	{
		int64		now = cr_now_us();
		CrReq	   *cand = NULL;
		bool		is_new = false;
		int			cand_series = -1,
					cand_page = -1;
		ListCell   *lc;
		int			s;
		int64		slot;
		bool		is_cursor;

		report_departures(ss);
		if (cr_http_inflight(ss->http) >= (ss->lazy ? 1 : ss->opts->concurrency))
			return wake;

		/* retries whose time has come, the earliest first */
		foreach(lc, ss->reqs)
		{
			CrReq	   *r = (CrReq *) lfirst(lc);

			if (r->state != REQ_RETRY_WAIT)
				continue;
			if (r->not_before_us > now)
			{
				wake = wake ? Min(wake, r->not_before_us) : r->not_before_us;
				continue;
			}
			if (cand == NULL || r->series < cand->series ||
				(r->series == cand->series && r->page < cand->page))
				cand = r;
		}
		if (cand)
		{
			cand_series = cand->series;
			cand_page = cand->page;
		}

		/* else the next page of a series already started, or a new series */
		for (s = ss->cur_series; s < ss->frontier && s < ss->nseries; s++)
		{
			CrSeries   *se = &ss->series[s];

			if (cand && s >= cand_series)
				break;
			if (se->npages > 0 && se->next_issue < se->npages)
			{
				cand_series = s;
				cand_page = se->next_issue;
				cand = NULL;
				is_new = true;
				break;
			}
		}
		if (cand_series < 0 && ss->frontier < ss->nseries)
		{
			cand_series = ss->frontier;
			cand_page = 0;
			is_new = true;
		}
		if (cand_series < 0)
			return wake;

		/* hold at most max_ahead pages, but never block the next one out */
		is_cursor = (cand_series == ss->cur_series && cand_page == ss->cur_page);
		if (!is_cursor &&
			cr_http_inflight(ss->http) + count_state(ss, REQ_DONE) >= ss->max_ahead)
			return wake;

		/* the account's rate ceiling */
		if (!cr_pacer_try_take(ss->acct, ss->opts->requests_per_second, now, &slot))
			return wake ? Min(wake, slot) : slot;

		if (is_new)
		{
			MemoryContext old = MemoryContextSwitchTo(ss->scan_cxt);

			cand = palloc0(sizeof(CrReq));
			cand->series = cand_series;
			cand->page = cand_page;
			if (cand_page > 0 && ss->series[cand_series].next_url)
				cand->next_url = ss->series[cand_series].next_url;
			ss->reqs = lappend(ss->reqs, cand);
			MemoryContextSwitchTo(old);
			if (cand_page == 0)
				ss->frontier++;
			else
				ss->series[cand_series].next_issue++;
		}
		else
		{
			ss->n_retries++;
			ss->stats->retries++;
		}
		send_request(ss, cand, now);
		cr_http_progress(ss->http);
	}
}

static CrReq *
find_req_by_tag(CrScanState *ss, int tag)
{
	ListCell   *lc;

	foreach(lc, ss->reqs)
	{
		CrReq	   *r = (CrReq *) lfirst(lc);

		if (r->state == REQ_INFLIGHT && r->tag == tag)
			return r;
	}
	elog(ERROR, "callrecord_fdw got a response for an unknown request");
	return NULL;
}

static void
schedule_retry(CrScanState *ss, CrReq *req, double retry_after_s, bool throttled)
{
	int64		wait = cr_backoff_us(req->attempt + 1, retry_after_s);

	req->attempt++;
	req->state = REQ_RETRY_WAIT;
	req->not_before_us = cr_now_us() + wait;
	if (throttled)
	{
		ss->n_throttled++;
		ss->throttle_wait_us += wait;
		ss->stats->throttle_waits++;
		ss->stats->throttle_wait_us += wait;
	}
	if (req->cxt)
		MemoryContextDelete(req->cxt);
	req->cxt = NULL;
	memset(&req->data, 0, sizeof(CrPage));
}

/* Check a decoded page against what the series announced. */
static void
check_page(CrScanState *ss, CrReq *req)
{
	CrSeries   *s = &ss->series[req->series];
	CrPage	   *pg = &req->data;
	int			ps = ss->opts->page_size;

	if (!ss->prov->limits.paged)
	{
		s->npages = 1;
		return;
	}
	if (pg->next_url)
	{
		/* linked paging: one more page */
		s->npages = req->page + 2;
		s->next_issue = req->page + 1;
		s->next_url = MemoryContextStrdup(ss->scan_cxt, pg->next_url);
		return;
	}
	if (pg->total < 0)
	{
		if (s->npages < 0 || req->page + 1 >= s->npages)
			s->npages = req->page + 1;
		return;
	}

	/* offset paging with a total */
	if (pg->nrows > ps)
	{
		pg->outcome = CR_OUTCOME_MALFORMED;
		pg->error_message = psprintf("%d records in a page of %d", pg->nrows, ps);
		cr_report_vendor_error(ss, req, NULL, false);
	}
	if (req->page == 0)
	{
		s->total = pg->total;
		s->npages = (int) Max(1, (pg->total + ps - 1) / ps);
	}
	{
		int64		expected = (req->page < s->npages - 1) ? ps :
			s->total - (int64) req->page * ps;

		if (pg->nrows < expected)
		{
			ss->err_req = req;
			ss->stats->errors++;
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("%s %s returned %d records in page %d, but its total of " INT64_FORMAT " promised " INT64_FORMAT,
							ss->prov->name, ss->res->action, pg->nrows,
							req->page, s->total, expected),
					 errdetail("The result would be incomplete, so the query stops here."),
					 pg->request_id ? errhint("Request id: %s.", pg->request_id) : 0));
		}
	}
}

static void
handle_response(CrScanState *ss, CrReq *req, CrHttpResponse *resp)
{
	CrRequestSpec spec;

	if (!resp->sent_reported)
		cr_pacer_done(ss->acct, ss->opts->requests_per_second, resp->sent,
					  resp->sent ? resp->sent_us : cr_now_us());
	ss->bytes += resp->body_len;
	ss->stats->bytes += resp->body_len;
	ss->err_req = req;
	req->cxt = ss->landing_cxt;
	ss->landing_cxt = NULL;

	if (resp->transport_failed)
	{
		if (resp->retryable && req->attempt < ss->opts->max_retries)
		{
			schedule_retry(ss, req, resp->retry_after_s, false);
			return;
		}
		cr_report_vendor_error(ss, req, resp, resp->retryable);
	}

	/* vendors send UTF-8: check it and convert to the database encoding */
	if (resp->body_len > 0)
	{
		MemoryContext old = MemoryContextSwitchTo(req->cxt);

		if (memchr(resp->body, '\0', resp->body_len) != NULL)
		{
			req->data.outcome = CR_OUTCOME_MALFORMED;
			req->data.error_message = "the response contains a NUL byte";
			req->data.request_id = resp->request_id;
			cr_report_vendor_error(ss, req, NULL, false);
		}
		{
			char	   *utf8 = resp->body;

			resp->body = pg_any_to_server(utf8, (int) resp->body_len, PG_UTF8);
			if (resp->body != utf8)
				pfree(utf8);
		}
		resp->body_len = strlen(resp->body);
		MemoryContextSwitchTo(old);
	}

	fill_spec(ss, req, &spec);
	{
		MemoryContext old = MemoryContextSwitchTo(req->cxt);

		ss->prov->read_page(resp, &spec, ss->fields, ss->nfields, ss->want_raw,
							&req->data);
		if (req->data.request_id == NULL)
			req->data.request_id = resp->request_id;
		MemoryContextSwitchTo(old);

		/*
		 * The decoded page holds copies of what it needs: the body can go
		 * now, so a page waiting its turn costs its values, not its text.
		 */
		if (resp->body)
			pfree(resp->body);
		resp->body = NULL;
		resp->body_len = 0;
	}

	if (req->data.outcome == CR_OUTCOME_OK)
	{
		check_page(ss, req);
		req->state = REQ_DONE;
		ss->err_req = NULL;
		return;
	}
	if (req->data.outcome == CR_OUTCOME_VENDOR_ERROR &&
		req->data.retry == CR_RETRY_REAUTH)
	{
		/* one retry with a renewed credential; a second refusal is final */
		if (!req->reauthed && ss->prov->forget_auth)
		{
			ss->prov->forget_auth(ss->opts, ss->acct, req->sent_us);
			req->reauthed = true;
			schedule_retry(ss, req, 0, false);
			return;
		}
		cr_report_vendor_error(ss, req, NULL, false);
	}
	if (req->data.outcome == CR_OUTCOME_VENDOR_ERROR &&
		req->data.retry != CR_RETRY_NO &&
		req->attempt < ss->opts->max_retries)
	{
		schedule_retry(ss, req, resp->retry_after_s,
					   req->data.retry == CR_RETRY_THROTTLE);
		return;
	}
	cr_report_vendor_error(ss, req, NULL,
						   req->data.outcome == CR_OUTCOME_VENDOR_ERROR &&
						   req->data.retry != CR_RETRY_NO);
}

/* ------------------------------------------------------------------------
 * Iterate
 * ------------------------------------------------------------------------
 */

/*
 * With callrecord_fdw.progress on: a NOTICE once the scan has run for a
 * second, then at most once a second.
 */
static void
report_progress(CrScanState *ss)
{
	int64		now = cr_now_us();

	if (ss->started_us == 0)
		ss->started_us = now;
	if (now - ss->started_us < CR_USEC_PER_SEC ||
		now - ss->last_progress_us < CR_USEC_PER_SEC)
		return;
	ss->last_progress_us = now;
	ereport(NOTICE,
			(errmsg("callrecord_fdw %s %s on \"%s\": %d of %d windows done, " INT64_FORMAT " pages, " INT64_FORMAT " rows, " INT64_FORMAT " retries, " INT64_FORMAT " throttle waits, %.1f s",
					ss->prov->name, ss->res->action, RelationGetRelationName(ss->rel),
					Min(ss->cur_series, ss->nseries), ss->nseries,
					ss->n_requests - ss->n_retries, ss->rows_out, ss->n_retries,
					ss->n_throttled, (now - ss->started_us) / 1e6)));
}

static CrReq *
take_done(CrScanState *ss, int series, int page)
{
	ListCell   *lc;

	foreach(lc, ss->reqs)
	{
		CrReq	   *r = (CrReq *) lfirst(lc);

		if (r->state == REQ_DONE && r->series == series && r->page == page)
		{
			ss->reqs = foreach_delete_current(ss->reqs, lc);
			return r;
		}
	}
	return NULL;
}

static void
release_current(CrScanState *ss)
{
	CrSeries   *s;

	if (ss->cur == NULL)
		return;
	if (ss->cur->cxt)
		MemoryContextDelete(ss->cur->cxt);
	pfree(ss->cur);
	ss->cur = NULL;

	/* advance the cursor */
	s = &ss->series[ss->cur_series];
	ss->cur_page++;
	if (s->npages >= 0 && ss->cur_page >= s->npages)
	{
		ss->cur_series++;
		ss->cur_page = 0;
	}
}

static const CrJsonValue *
row_value(CrScanState *ss, int row, int field, int alt_field)
{
	const CrPage *pg = &ss->cur->data;
	const CrJsonValue *v = &pg->values[row * pg->nfields + field];

	if (v->type == CR_JSON_ABSENT && alt_field >= 0)
		v = &pg->values[row * pg->nfields + alt_field];
	return v;
}

/* Build the tuple of one record into the slot; false if not this window's. */
static bool
make_tuple(CrScanState *ss, int row, TupleTableSlot *slot)
{
	CrSeries   *s = &ss->series[ss->cur_series];
	int64		ws = ss->rp->wstart[s->window];
	int64		we = ss->rp->wend[s->window];
	TupleDesc	tupdesc = slot->tts_tupleDescriptor;
	int			i;

	if (ss->time_field >= 0)
	{
		const CrJsonValue *tv = row_value(ss, row, ss->time_field, ss->time_alt_field);
		int64		t;

		if (!cr_time_value_to_us(tv, &t))
		{
			ss->err_req = ss->cur;
			ss->cur->data.outcome = CR_OUTCOME_MALFORMED;
			ss->cur->data.error_message =
				psprintf("record %d has no %s", row,
						 ss->res->columns[ss->res->time_column].field);
			cr_report_vendor_error(ss, ss->cur, NULL, false);
		}
		/* each row belongs to the window its own time falls in */
		if (t < ws || t >= we)
			return false;
	}

	ExecClearTuple(slot);
	memset(slot->tts_isnull, true, sizeof(bool) * tupdesc->natts);
	for (i = 0; i < ss->nconv; i++)
	{
		CrAttConv  *ac = &ss->conv[i];
		int			a = ac->attnum - 1;

		ss->err_conv = ac;
		switch (ac->kind)
		{
			case CR_AC_NULL:
				break;
			case CR_AC_FIELD:
				slot->tts_values[a] = cr_convert_value(ac,
													   row_value(ss, row, ac->field, ac->alt_field),
													   &slot->tts_isnull[a]);
				break;
			case CR_AC_RAW:
				if (ss->cur->data.raw && ss->cur->data.raw[row])
				{
					slot->tts_values[a] = cr_convert_text(ac, ss->cur->data.raw[row]);
					slot->tts_isnull[a] = false;
				}
				break;
			case CR_AC_FANOUT:
				{
					CrParam    *p = &ss->rp->params[s->combo * ss->rp->nparams];
					int			k;

					for (k = 0; k < ss->rp->nparams; k++)
						if (strcmp(p[k].name, ac->fanout_param) == 0)
						{
							slot->tts_values[a] = cr_convert_text(ac, p[k].value);
							slot->tts_isnull[a] = false;
						}
					break;
				}
			case CR_AC_DAY:
				{
					DateADT		day = (DateADT) ((ws - UNIX_TO_PG_US) / USECS_PER_DAY);

					if (ac->typid == DATEOID)
						slot->tts_values[a] = DateADTGetDatum(day);
					else
						slot->tts_values[a] =
							cr_convert_text(ac, DatumGetCString(DirectFunctionCall1(date_out,
																					DateADTGetDatum(day))));
					slot->tts_isnull[a] = false;
					break;
				}
		}
	}
	ss->err_conv = NULL;
	ExecStoreVirtualTuple(slot);
	return true;
}

TupleTableSlot *
cr_iterate_foreign_scan(ForeignScanState *node)
{
	CrScanState *ss = (CrScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	WITH_ERRCTX(ss);

	if (!ss->started)
		start_scan(ss, node->ss.ps.ps_ExprContext);

	for (;;)
	{
		int64		wake;
		int			tag;
		CrHttpResponse resp;
		bool		got;

		CHECK_FOR_INTERRUPTS();

		if (ss->cur)
		{
			while (ss->cur_row < ss->cur->data.nrows)
			{
				int			row = ss->cur_row++;
				MemoryContext old;
				bool		ok;

				/* keep the requests in flight moving while rows go out */
				if ((row & 63) == 63)
					cr_http_progress(ss->http);
				MemoryContextReset(ss->row_cxt);
				old = MemoryContextSwitchTo(ss->row_cxt);
				ok = make_tuple(ss, row, slot);
				MemoryContextSwitchTo(old);
				if (ok)
				{
					ss->rows_out++;
					ss->stats->rows++;
					END_ERRCTX();
					return slot;
				}
			}
			release_current(ss);
		}

		if (ss->cur_series >= ss->nseries)
		{
			END_ERRCTX();
			return ExecClearTuple(slot);
		}

		ss->cur = take_done(ss, ss->cur_series, ss->cur_page);
		if (ss->cur)
		{
			ss->cur_row = 0;

			/*
			 * Its place in the pipeline is free: fill it before the rows go
			 * out, so the network works while the rows are converted.  A
			 * LIMIT scan asks for the next page only when it needs it.
			 */
			if (!ss->lazy)
				(void) issue_requests(ss);
			continue;
		}

		wake = issue_requests(ss);
		if (cr_progress)
			report_progress(ss);
		if (ss->landing_cxt == NULL)
			ss->landing_cxt = AllocSetContextCreate(ss->scan_cxt,
													"callrecord_fdw page",
													ALLOCSET_DEFAULT_SIZES);
		{
			MemoryContext old = MemoryContextSwitchTo(ss->landing_cxt);

			got = cr_http_wait(ss->http, wake, &tag, &resp);
			MemoryContextSwitchTo(old);
		}
		if (got)
		{
			handle_response(ss, find_req_by_tag(ss, tag), &resp);
			/* the page may have announced more pages: ask for them now */
			if (!ss->lazy)
				(void) issue_requests(ss);
		}
		else if (wake == 0 && cr_http_inflight(ss->http) == 0)
			elog(ERROR, "callrecord_fdw scan has nothing to wait for");
	}
}

/* ------------------------------------------------------------------------
 * ReScan and End
 * ------------------------------------------------------------------------
 */

static void
reset_requests(CrScanState *ss)
{
	ListCell   *lc;

	foreach(lc, ss->reqs)
	{
		CrReq	   *r = (CrReq *) lfirst(lc);

		if (r->cxt)
			MemoryContextDelete(r->cxt);
	}
	list_free_deep(ss->reqs);
	ss->reqs = NIL;
	if (ss->cur)
	{
		if (ss->cur->cxt)
			MemoryContextDelete(ss->cur->cxt);
		pfree(ss->cur);
		ss->cur = NULL;
	}
	ss->cur_row = 0;
}

void
cr_rescan_foreign_scan(ForeignScanState *node)
{
	CrScanState *ss = (CrScanState *) node->fdw_state;

	if (ss == NULL || ss->http == NULL)
		return;

	/*
	 * Requests still in flight belong to the old scan: drop the transport
	 * and start a fresh one (the connection pool goes with it).
	 */
	if (cr_http_inflight(ss->http) > 0)
	{
		cr_http_close(ss->http);
		ss->http = open_transport(ss);
	}
	reset_requests(ss);

	/* new parameter values (nested loop, InitPlan) need a new plan */
	ss->started = false;
}

void
cr_end_foreign_scan(ForeignScanState *node)
{
	CrScanState *ss = (CrScanState *) node->fdw_state;

	if (ss == NULL)
		return;
	if (ss->http)
		cr_http_close(ss->http);
	ss->http = NULL;
}

/* ------------------------------------------------------------------------
 * EXPLAIN
 * ------------------------------------------------------------------------
 */

static const char *
op_text(int op)
{
	switch (op)
	{
		case CR_OP_EQ:
			return "=";
		case CR_OP_IN:
			return "= ANY";
		case CR_OP_NE:
			return "<>";
		case CR_OP_LT:
			return "<";
		case CR_OP_LE:
			return "<=";
		case CR_OP_GT:
			return ">";
		case CR_OP_GE:
			return ">=";
	}
	return "?";
}

void
cr_explain_foreign_scan(ForeignScanState *node, ExplainState *es)
{
	CrScanState *ss = (CrScanState *) node->fdw_state;
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	List	   *dpcontext;
	StringInfoData conds;
	StringInfoData params;
	ListCell   *lc1,
			   *lc2;

	ExplainPropertyText("Provider", ss->prov->name, es);
	ExplainPropertyText("Action", ss->res->action, es);

	/* the pushed conditions, and the vendor parameters they become */
	dpcontext = set_deparse_context_plan(es->deparse_cxt, (Plan *) fsplan, NIL);
	initStringInfo(&conds);
	initStringInfo(&params);
	forboth(lc1, ss->pushed, lc2, fsplan->fdw_exprs)
	{
		List	   *p = (List *) lfirst(lc1);
		const CrColumnDef *col = &ss->res->columns[linitial_int(p)];
		int			op = lsecond_int(p);
		const char *pname;
		char	   *val = deparse_expression((Node *) lfirst(lc2), dpcontext, false, false);

		if (conds.len)
			appendStringInfoString(&conds, " AND ");
		if (op == CR_OP_IN)
			appendStringInfo(&conds, "%s = ANY (%s)", col->name, val);
		else
			appendStringInfo(&conds, "%s %s %s", col->name, op_text(op), val);

		if (col->push & CR_PUSH_RANGE)
			pname = NULL;
		else
			pname = (op == CR_OP_NE) ? col->ne_param : col->eq_param;
		if (pname && strstr(params.data, pname) == NULL)
			appendStringInfo(&params, "%s%s", params.len ? ", " : "", pname);
	}
	if (conds.len)
		ExplainPropertyText("Pushed Conditions", conds.data, es);
	if (params.len)
		ExplainPropertyText("Pushed Parameters", params.data, es);
	if (ss->order != CR_ORDER_NONE)
		ExplainPropertyText("Pushed Order",
							psprintf("%s %s", ss->res->columns[ss->res->time_column].name,
									 ss->order == CR_ORDER_DESC ? "DESC" : "ASC"), es);

	if (ss->rp == NULL)
		ExplainPropertyText("Windows", "decided at execution (the range depends on run-time values)", es);
	else if (ss->rp->empty)
		ExplainPropertyText("Requests Planned", psprintf("none: %s", ss->rp->empty_reason), es);
	else
	{
		ExplainPropertyInteger("Windows", NULL, ss->rp->nwindows, es);
		if (ss->rp->ncombos > 1)
			ExplainPropertyInteger("Fan-out Values", NULL, ss->rp->ncombos, es);
		if (ss->rp->clamped_history)
			ExplainPropertyText("History Clamp",
								psprintf("%s to %d days (server option \"history_days\")",
										 ss->rp->had_lower_bound ? "range clamped" : "no lower bound: history",
										 ss->opts->history_days), es);
		if (es->verbose && es->costs)
			ExplainPropertyText(ss->prov->limits.day_windows ? "Days" : "Time Range",
								ss->prov->limits.day_windows ?
								psprintf("%s to %s", format_bound(ss, ss->rp->start_us),
										 format_bound(ss, ss->rp->end_us - USECS_PER_DAY)) :
								psprintf("%s to %s", format_us(ss->rp->start_us),
										 format_us(ss->rp->end_us)), es);
	}
	if (ss->prov->limits.paged)
		ExplainPropertyInteger("Page Size", NULL, ss->opts->page_size, es);
	if (ss->lazy)
		ExplainPropertyText("Fetch", "one request at a time (LIMIT)", es);

	if (es->analyze && ss->acct)
	{
		ExplainPropertyInteger("Requests", NULL, ss->n_requests, es);
		ExplainPropertyInteger("Retries", NULL, ss->n_retries, es);
		ExplainPropertyInteger("Throttle Waits", NULL, ss->n_throttled, es);
		if (es->costs)
			ExplainPropertyInteger("Bytes Received", "B", ss->bytes, es);
		if (es->timing)
			ExplainPropertyFloat("Throttle Wait Time", "ms",
								 ss->throttle_wait_us / 1000.0, 1, es);
	}
}
