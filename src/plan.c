/*-------------------------------------------------------------------------
 *
 * plan.c
 *		  Planning: which conditions are pushed, the paths (plain, ordered,
 *		  parameterized) and their costs, and the plan's fdw_private.
 *
 * A clause is pushed when one side is a Var of this relation on a column
 * the provider can filter on, the other side holds no Var of this relation,
 * no volatile function and no SubPlan, and the operator is known by its
 * btree strategy in the column type's default operator family.  Pushed
 * clauses are always rechecked locally as well: the vendor's filters are
 * not trusted to match PostgreSQL's semantics to the row.
 *
 * Costs are counted in requests: windows x pages x fan-out values, each
 * request costing what it takes of the account's time (1 / the rate
 * ceiling, or a round trip shared by the requests in flight, whichever is
 * longer), so a parameterized nested loop wins when the outer side is
 * small and a single scan when it is large.  Rows are the provider's
 * guess per day over the days of the range, filtered by the selectivity of
 * the other conditions.
 *
 * IDENTIFICATION
 *		  src/plan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/timestamp.h"
#include "access/xact.h"
#include "utils/array.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "callrecord_fdw.h"
#include "plan.h"
#include "provider.h"

/* planner assumptions, in the absence of statistics from the vendor */
#define CR_EST_LATENCY_S	0.2		/* a vendor round trip */
#define CR_COST_PER_S		10000.0 /* cost units for a second of waiting */
#define CR_STARTUP_COST		100.0
#define CR_ROW_COST			0.02

/* Per-relation planner state, in baserel->fdw_private. */
typedef struct CrRelInfo
{
	CrOptions  *opts;
	int		   *attcol;			/* attno -> canonical column index, or -1 */
	Oid		   *atttype;
	int			natts;
	bool		has_fanout;		/* an IN list on some column */
	double		fanout;			/* estimated fan-out values */
	double		range_days;		/* estimated span of the time range */
	double		rows_unfiltered;	/* rows in range before other filters */
	Cost		request_cost;	/* one request */
} CrRelInfo;

/*
 * Map the attributes of a foreign table to canonical columns: by the
 * "field" option when set, else by name.
 */
void
cr_map_columns(Oid relid, const CrResource *res, TupleDesc tupdesc, int *attcol)
{
	int			i;

	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		char	   *field;
		int			c;

		attcol[i] = -1;
		if (att->attisdropped)
			continue;
		field = cr_column_field(relid, att->attnum);
		if (field == NULL)
			attcol[i] = cr_resource_column(res, NameStr(att->attname));
		else
		{
			for (c = 0; c < res->ncolumns; c++)
				if (res->columns[c].field &&
					(strcmp(res->columns[c].field, field) == 0 ||
					 (res->columns[c].alt_field &&
					  strcmp(res->columns[c].alt_field, field) == 0)))
				{
					attcol[i] = c;
					break;
				}
		}
	}
}

static Var *
strip_to_var(Expr *e, Index relid)
{
	while (e && IsA(e, RelabelType))
		e = ((RelabelType *) e)->arg;
	if (e && IsA(e, Var) && ((Var *) e)->varno == relid &&
		((Var *) e)->varlevelsup == 0 && ((Var *) e)->varattno > 0)
		return (Var *) e;
	return NULL;
}

static bool
value_type_ok_for_range(Oid typid)
{
	return typid == TIMESTAMPTZOID || typid == TIMESTAMPOID || typid == DATEOID;
}

static bool
type_ok_for_eq(Oid typid)
{
	switch (typid)
	{
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case INT2OID:
		case INT4OID:
		case INT8OID:
			return true;
	}
	return false;
}

/*
 * Can the value side be evaluated before the scan, once per (re)scan?
 */
static bool
is_pushable_value(PlannerInfo *root, Expr *value, Index relid)
{
	Relids		varnos = pull_varnos(root, (Node *) value);

	if (bms_is_member(relid, varnos))
		return false;
	if (contain_volatile_functions((Node *) value) ||
		contain_subplans((Node *) value) ||
		contain_agg_clause((Node *) value) ||
		contain_window_function((Node *) value))
		return false;
	return true;
}

/*
 * Classify one clause.  Returns true and fills *colidx, *op and *value if
 * the clause can be pushed; the value side may reference other relations
 * (a join clause), which then become parameters of the scan.
 */
bool
cr_classify_clause(PlannerInfo *root, RelOptInfo *baserel,
				   const CrResource *res, const int *attcol, const Oid *atttype,
				   Expr *clause, int *colidx, int *op, Expr **value)
{
	Var		   *var = NULL;
	Expr	   *other = NULL;
	Oid			opno;
	TypeCacheEntry *tce;
	int			strategy;
	const CrColumnDef *col;
	Oid			opfamily;

	if (IsA(clause, OpExpr))
	{
		OpExpr	   *oe = (OpExpr *) clause;

		if (list_length(oe->args) != 2)
			return false;
		opno = oe->opno;
		if ((var = strip_to_var(linitial(oe->args), baserel->relid)) != NULL)
			other = lsecond(oe->args);
		else if ((var = strip_to_var(lsecond(oe->args), baserel->relid)) != NULL)
		{
			other = linitial(oe->args);
			opno = get_commutator(opno);
			if (!OidIsValid(opno))
				return false;
		}
		else
			return false;
		if (OidIsValid(oe->inputcollid) &&
			!get_collation_isdeterministic(oe->inputcollid))
			return false;
	}
	else if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *sa = (ScalarArrayOpExpr *) clause;

		if (!sa->useOr || list_length(sa->args) != 2)
			return false;
		var = strip_to_var(linitial(sa->args), baserel->relid);
		if (var == NULL)
			return false;
		other = lsecond(sa->args);
		opno = sa->opno;
		if (OidIsValid(sa->inputcollid) &&
			!get_collation_isdeterministic(sa->inputcollid))
			return false;
	}
	else
		return false;

	if (var->varattno > baserel->max_attr || attcol[var->varattno - 1] < 0)
		return false;
	*colidx = attcol[var->varattno - 1];
	col = &res->columns[*colidx];
	if (col->push == 0)
		return false;
	if (!is_pushable_value(root, other, baserel->relid))
		return false;

	tce = lookup_type_cache(var->vartype, TYPECACHE_BTREE_OPFAMILY);
	opfamily = tce->btree_opf;
	if (!OidIsValid(opfamily))
		return false;

	if (IsA(clause, ScalarArrayOpExpr))
	{
		if (!(col->push & CR_PUSH_IN) ||
			get_op_opfamily_strategy(opno, opfamily) != BTEqualStrategyNumber ||
			!type_ok_for_eq(atttype[var->varattno - 1]) ||
			!type_ok_for_eq(get_element_type(exprType((Node *) other))))
			return false;
		*op = CR_OP_IN;
		*value = other;
		return true;
	}

	strategy = get_op_opfamily_strategy(opno, opfamily);
	if (col->push & CR_PUSH_RANGE)
	{
		/* the time column: its type and the value's must be date/time */
		if (atttype[var->varattno - 1] != TIMESTAMPTZOID &&
			atttype[var->varattno - 1] != DATEOID)
			return false;
		if (!value_type_ok_for_range(exprType((Node *) other)))
			return false;
		switch (strategy)
		{
			case BTLessStrategyNumber:
				*op = CR_OP_LT;
				break;
			case BTLessEqualStrategyNumber:
				*op = CR_OP_LE;
				break;
			case BTEqualStrategyNumber:
				*op = CR_OP_EQ;
				break;
			case BTGreaterEqualStrategyNumber:
				*op = CR_OP_GE;
				break;
			case BTGreaterStrategyNumber:
				*op = CR_OP_GT;
				break;
			default:
				return false;
		}
		*value = other;
		return true;
	}

	if (!type_ok_for_eq(atttype[var->varattno - 1]) ||
		!type_ok_for_eq(exprType((Node *) other)))
		return false;
	if (strategy == BTEqualStrategyNumber && (col->push & CR_PUSH_EQ))
		*op = CR_OP_EQ;
	else if (strategy == 0 && (col->push & CR_PUSH_NE) &&
			 OidIsValid(get_negator(opno)) &&
			 get_op_opfamily_strategy(get_negator(opno), opfamily) == BTEqualStrategyNumber)
		*op = CR_OP_NE;
	else
		return false;
	*value = other;
	return true;
}

/* Days covered by a range clause set, estimated from constants. */
static double
estimate_range_days(PlannerInfo *root, RelOptInfo *baserel, CrRelInfo *ri,
					List *clauses)
{
	double		lo = -1,
				hi = -1;		/* days before now */
	ListCell   *lc;
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	double		history = ri->opts->history_days;

	foreach(lc, clauses)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);
		int			colidx,
					op;
		Expr	   *value;
		Node	   *est;

		if (!cr_classify_clause(root, baserel, ri->opts->resource, ri->attcol, ri->atttype,
								rinfo->clause, &colidx, &op, &value))
			continue;
		if (!(ri->opts->resource->columns[colidx].push & CR_PUSH_RANGE))
			continue;
		est = estimate_expression_value(root, (Node *) value);
		if (!IsA(est, Const) || ((Const *) est)->constisnull)
			continue;
		{
			Const	   *c = (Const *) est;
			TimestampTz t;
			int			overflow = 0;
			bool		whole_day = false;
			double		days_ago;

			/* a date is a whole day (Tencent's day column compares with dates) */
			if (c->consttype == TIMESTAMPTZOID)
				t = DatumGetTimestampTz(c->constvalue);
			else if (c->consttype == DATEOID)
			{
				t = date2timestamptz_opt_overflow(DatumGetDateADT(c->constvalue), &overflow);
				whole_day = true;
			}
			else if (c->consttype == TIMESTAMPOID)
				t = timestamp2timestamptz_opt_overflow(DatumGetTimestamp(c->constvalue), &overflow);
			else
				continue;
			if (overflow != 0)
				continue;
			days_ago = (double) (now - t) / (double) USECS_PER_DAY;

			if (op == CR_OP_GE || op == CR_OP_EQ || (op == CR_OP_GT && !whole_day))
				lo = (lo < 0) ? days_ago : Min(lo, days_ago);
			else if (op == CR_OP_GT)
				lo = (lo < 0) ? days_ago - 1 : Min(lo, days_ago - 1);
			if (op == CR_OP_LT || ((op == CR_OP_LE || op == CR_OP_EQ) && !whole_day))
				hi = (hi < 0) ? days_ago : Max(hi, days_ago);
			else if (op == CR_OP_LE || op == CR_OP_EQ)
				hi = (hi < 0) ? days_ago - 1 : Max(hi, days_ago - 1);
		}
	}
	if (lo < 0 || lo > history)
		lo = history;
	if (hi < 0)
		hi = 0;
	if (lo <= hi)
		return 1.0 / 24;		/* an instant or an empty range */
	return lo - hi;
}

/*
 * Fan-out values a query with no condition on them gets from a table
 * option (Tencent's sdk_app_ids), else 1.
 */
static double
default_values(const CrOptions *opts)
{
	List	   *ids = NIL;

	if (opts->sdk_app_ids && cr_parse_id_list(opts->sdk_app_ids, &ids))
		return Max(1, list_length(ids));
	return 1;
}

static double
requests_for(const CrOptions *opts, double range_days, double rows, double fanout)
{
	double		window_days = (double) opts->provider->limits.max_window_us / CR_USEC_PER_DAY;
	double		windows = Max(1.0, ceil(range_days / window_days));
	double		pages = 1;

	if (opts->provider->limits.paged && opts->page_size > 0)
		pages = Max(1.0, ceil(rows / Max(fanout, 1.0) / windows / opts->page_size));
	return windows * pages * Max(fanout, 1.0);
}

void
cr_get_foreign_rel_size(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	CrRelInfo  *ri = palloc0(sizeof(CrRelInfo));
	const CrLimits *limits;
	Relation	rel;
	TupleDesc	tupdesc;
	int			i;
	ListCell   *lc;
	List	   *counted = NIL;
	List	   *others = NIL;
	bool		values_given = false;	/* = or IN on a fan-out column */
	Selectivity sel;
	Selectivity sel_counted;

	ri->opts = cr_get_options(foreigntableid);
	limits = &ri->opts->provider->limits;
	rel = table_open(foreigntableid, NoLock);
	tupdesc = RelationGetDescr(rel);
	ri->natts = tupdesc->natts;
	ri->attcol = palloc(sizeof(int) * Max(ri->natts, 1));
	ri->atttype = palloc(sizeof(Oid) * Max(ri->natts, 1));
	cr_map_columns(foreigntableid, ri->opts->resource, tupdesc, ri->attcol);
	for (i = 0; i < ri->natts; i++)
		ri->atttype[i] = TupleDescAttr(tupdesc, i)->atttypid;
	table_close(rel, NoLock);
	baserel->fdw_private = ri;

	/*
	 * One pass over the restrictions: fan-out from IN lists of constants,
	 * and which clauses filter the row estimate.  The time range is counted
	 * in range_days, and the values of an API that does not page choose
	 * answers rather than filter rows: their clauses must not filter the
	 * estimate a second time.  The rest filter it by their selectivity.
	 */
	ri->fanout = 1;
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);
		int			colidx,
					op;
		Expr	   *value;

		if (!cr_classify_clause(root, baserel, ri->opts->resource, ri->attcol,
								ri->atttype, rinfo->clause, &colidx, &op, &value))
		{
			others = lappend(others, rinfo);
			continue;
		}
		if ((ri->opts->resource->columns[colidx].push & CR_PUSH_RANGE) ||
			(!limits->paged && (op == CR_OP_EQ || op == CR_OP_IN)))
			counted = lappend(counted, rinfo);
		else
			others = lappend(others, rinfo);
		if ((op == CR_OP_EQ || op == CR_OP_IN) &&
			ri->opts->resource->columns[colidx].source == CR_SRC_FANOUT)
			values_given = true;
		if (op == CR_OP_IN)
		{
			Node	   *est = estimate_expression_value(root, (Node *) value);

			ri->has_fanout = true;
			if (IsA(est, Const) && !((Const *) est)->constisnull)
				ri->fanout *= Max(1, ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(((Const *) est)->constvalue)),
													ARR_DIMS(DatumGetArrayTypeP(((Const *) est)->constvalue))));
			else
				ri->fanout *= 10;
		}
	}

	ri->range_days = estimate_range_days(root, baserel, ri, baserel->baserestrictinfo);
	if (!ri->has_fanout && !values_given)
		ri->fanout = default_values(ri->opts);
	ri->rows_unfiltered = ri->range_days * limits->est_rows_per_day *
		(limits->paged ? 1 : ri->fanout);
	sel = clauselist_selectivity(root, others, 0, JOIN_INNER, NULL);
	sel_counted = clauselist_selectivity(root, counted, 0, JOIN_INNER, NULL);
	baserel->rows = clamp_row_est(ri->rows_unfiltered * sel);

	/*
	 * A parameterized path's size is tuples times the selectivity of every
	 * restriction and its join clauses: scale tuples so that the counted
	 * clauses cancel out there too.
	 */
	baserel->tuples = ri->rows_unfiltered / Max(sel_counted, 1e-10);
	ri->request_cost = CR_COST_PER_S *
		Max(1.0 / ri->opts->requests_per_second,
			CR_EST_LATENCY_S / Max(ri->opts->concurrency, 1));
}

/* Find the pushable time-column sort the query wants, if any. */
static int
useful_order(PlannerInfo *root, RelOptInfo *baserel, CrRelInfo *ri)
{
	PathKey    *pk;
	EquivalenceClass *ec;
	ListCell   *lc;
	const CrResource *res = ri->opts->resource;
	TypeCacheEntry *tce;

	if (!res->order_pushable || ri->has_fanout ||
		list_length(root->query_pathkeys) != 1)
		return CR_ORDER_NONE;
	pk = linitial(root->query_pathkeys);
	ec = pk->pk_eclass;
	if (ec->ec_has_volatile)
		return CR_ORDER_NONE;
	tce = lookup_type_cache(TIMESTAMPTZOID, TYPECACHE_BTREE_OPFAMILY);
	if (pk->pk_opfamily != tce->btree_opf)
		return CR_ORDER_NONE;
	foreach(lc, ec->ec_members)
	{
		EquivalenceMember *em = lfirst(lc);
		Var		   *var;

		if (!bms_equal(em->em_relids, baserel->relids))
			continue;
		var = strip_to_var(em->em_expr, baserel->relid);
		if (var && var->varattno <= ri->natts &&
			ri->attcol[var->varattno - 1] == res->time_column &&
			ri->atttype[var->varattno - 1] == TIMESTAMPTZOID)
			return pk->pk_strategy == BTGreaterStrategyNumber ?
				CR_ORDER_DESC : CR_ORDER_ASC;
	}
	return CR_ORDER_NONE;
}

/* Callback for generate_implied_equalities_for_column. */
typedef struct EcMatchArg
{
	CrRelInfo  *ri;
	Var		   *current;
} EcMatchArg;

static bool
ec_member_matches(PlannerInfo *root, RelOptInfo *rel, EquivalenceClass *ec,
				  EquivalenceMember *em, void *arg)
{
	EcMatchArg *a = (EcMatchArg *) arg;
	Var		   *var = strip_to_var(em->em_expr, rel->relid);

	if (var == NULL || a->current == NULL)
		return false;
	return var->varattno == a->current->varattno;
}

static void
add_param_path(PlannerInfo *root, RelOptInfo *baserel, CrRelInfo *ri,
			   RestrictInfo *rinfo, List **seen_outer)
{
	Relids		required_outer;
	ParamPathInfo *ppi;
	double		rows;
	double		requests;
	Cost		total;
	ListCell   *lc;

	required_outer = bms_difference(rinfo->clause_relids, baserel->relids);
	if (bms_is_empty(required_outer) ||
		bms_overlap(required_outer, baserel->lateral_referencers))
		return;
	foreach(lc, *seen_outer)
		if (bms_equal((Relids) lfirst(lc), required_outer))
			return;
	*seen_outer = lappend(*seen_outer, required_outer);

	ppi = get_baserel_parampathinfo(root, baserel, required_outer);
	rows = ppi->ppi_rows;
	requests = requests_for(ri->opts, ri->range_days, rows, 1);
	total = CR_STARTUP_COST + requests * ri->request_cost + rows * CR_ROW_COST;
	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, rows,
									 CR_STARTUP_COST, total, NIL,
									 required_outer, NULL,
									 list_make1(makeInteger(CR_ORDER_NONE))));
}

void
cr_get_foreign_paths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	CrRelInfo  *ri = (CrRelInfo *) baserel->fdw_private;
	double		requests;
	Cost		total;
	int			order;
	ListCell   *lc;
	List	   *seen_outer = NIL;

	requests = requests_for(ri->opts, ri->range_days, baserel->rows, ri->fanout);
	total = CR_STARTUP_COST + requests * ri->request_cost + baserel->rows * CR_ROW_COST;

	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, baserel->rows,
									 CR_STARTUP_COST, total, NIL, NULL, NULL,
									 list_make1(makeInteger(CR_ORDER_NONE))));

	/* the vendor can sort by the time column */
	order = useful_order(root, baserel, ri);
	if (order != CR_ORDER_NONE)
		add_path(baserel, (Path *)
				 create_foreignscan_path(root, baserel, NULL, baserel->rows,
										 CR_STARTUP_COST, total, root->query_pathkeys,
										 NULL, NULL,
										 list_make1(makeInteger(order))));

	/* parameterized paths: join clauses on equality-pushable columns */
	foreach(lc, baserel->joininfo)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);
		int			colidx,
					op;
		Expr	   *value;

		if (!join_clause_is_movable_to(rinfo, baserel))
			continue;
		if (!cr_classify_clause(root, baserel, ri->opts->resource, ri->attcol,
								ri->atttype, rinfo->clause, &colidx, &op, &value) ||
			op != CR_OP_EQ ||
			(ri->opts->resource->columns[colidx].push & CR_PUSH_RANGE))
			continue;
		add_param_path(root, baserel, ri, rinfo, &seen_outer);
	}

	/* and those implied by equivalence classes (a.x = b.x) */
	if (baserel->has_eclass_joins)
	{
		int			i;

		for (i = 0; i < ri->natts; i++)
		{
			EcMatchArg	arg;
			List	   *clauses;
			Var		   *var;
			int			c = ri->attcol[i];

			if (c < 0 || !(ri->opts->resource->columns[c].push & CR_PUSH_EQ))
				continue;
			var = makeVar(baserel->relid, i + 1, ri->atttype[i], -1, InvalidOid, 0);
			arg.ri = ri;
			arg.current = var;
			clauses = generate_implied_equalities_for_column(root, baserel,
															 ec_member_matches,
															 &arg,
															 baserel->lateral_referencers);
			foreach(lc, clauses)
			{
				RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);
				int			colidx,
							op;
				Expr	   *value;

				if (!join_clause_is_movable_to(rinfo, baserel))
					continue;
				if (!cr_classify_clause(root, baserel, ri->opts->resource,
										ri->attcol, ri->atttype, rinfo->clause,
										&colidx, &op, &value) ||
					op != CR_OP_EQ)
					continue;
				add_param_path(root, baserel, ri, rinfo, &seen_outer);
			}
		}
	}
}

ForeignScan *
cr_get_foreign_plan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
					ForeignPath *best_path, List *tlist, List *scan_clauses,
					Plan *outer_plan)
{
	CrRelInfo  *ri = (CrRelInfo *) baserel->fdw_private;
	List	   *fdw_exprs = NIL;
	List	   *pushed = NIL;
	List	   *local_exprs;
	ListCell   *lc;
	int			order = intVal(linitial(best_path->fdw_private));
	bool		lazy = false;
	Bitmapset  *attrs_used = NULL;
	List	   *attrs = NIL;
	int			i;

	/*
	 * Every clause is rechecked locally; the pushed ones also become request
	 * parameters.  scan_clauses includes the join clauses of a
	 * parameterized path.
	 */
	foreach(lc, scan_clauses)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);
		int			colidx,
					op;
		Expr	   *value;

		if (rinfo->pseudoconstant)
			continue;
		if (!cr_classify_clause(root, baserel, ri->opts->resource, ri->attcol,
								ri->atttype, rinfo->clause, &colidx, &op, &value))
			continue;
		fdw_exprs = lappend(fdw_exprs, value);
		pushed = lappend(pushed, list_make2_int(colidx, op));
	}
	local_exprs = extract_actual_clauses(scan_clauses, false);

	/*
	 * With a LIMIT that this scan alone decides (one relation, order pushed
	 * or none wanted), fetch lazily: one request at a time, so that the
	 * scan stops after the fewest requests.
	 */
	if (root->limit_tuples > 0 &&
		bms_membership(root->all_baserels) == BMS_SINGLETON &&
		(root->query_pathkeys == NIL || order != CR_ORDER_NONE))
		lazy = true;

	/* the columns the query needs */
	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &attrs_used);
	foreach(lc, baserel->baserestrictinfo)
		pull_varattnos((Node *) lfirst_node(RestrictInfo, lc)->clause,
					   baserel->relid, &attrs_used);
	foreach(lc, scan_clauses)
		pull_varattnos((Node *) lfirst_node(RestrictInfo, lc)->clause,
					   baserel->relid, &attrs_used);
	for (i = 1; i <= ri->natts; i++)
		if (bms_is_member(i - FirstLowInvalidHeapAttributeNumber, attrs_used) ||
			bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs_used))
			attrs = lappend_int(attrs, i);

	return make_foreignscan(tlist, local_exprs, baserel->relid, fdw_exprs,
							list_make4(pushed, makeInteger(order),
									   makeInteger(lazy ? 1 : 0), attrs),
							NIL, NIL, outer_plan);
}
