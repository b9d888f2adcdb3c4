/*-------------------------------------------------------------------------
 *
 * plan.h
 *		  Planner callbacks (plan.c) and the plan's fdw_private layout.
 *
 * IDENTIFICATION
 *		  src/plan.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CR_PLAN_H
#define CR_PLAN_H

#include "access/tupdesc.h"
#include "nodes/pathnodes.h"
#include "nodes/plannodes.h"

#include "callrecord_fdw.h"

/* operators of pushed conditions */
#define CR_OP_EQ	1
#define CR_OP_IN	2
#define CR_OP_NE	3
#define CR_OP_LT	4
#define CR_OP_LE	5
#define CR_OP_GT	6
#define CR_OP_GE	7

/* pushed order of the time column */
#define CR_ORDER_NONE	0
#define CR_ORDER_ASC	1
#define CR_ORDER_DESC	2

/*
 * ForeignScan->fdw_private is a List with these members.  fdw_exprs holds
 * the value side of each pushed condition, in the order of CrPrivPushed.
 * Nothing here is a credential.
 */
typedef enum CrScanPrivateIndex
{
	CrPrivPushed,				/* List of IntList (column index, CR_OP_*) */
	CrPrivOrder,				/* Integer CR_ORDER_* */
	CrPrivLazy,					/* Integer: fetch one request at a time */
	CrPrivAttrs					/* IntList of attnos the query reads */
} CrScanPrivateIndex;

extern void cr_map_columns(Oid relid, const CrResource *res, TupleDesc tupdesc,
						   int *attcol);
extern bool cr_classify_clause(PlannerInfo *root, RelOptInfo *baserel,
							   const CrResource *res, const int *attcol,
							   const Oid *atttype, Expr *clause,
							   int *colidx, int *op, Expr **value);
extern void cr_get_foreign_rel_size(PlannerInfo *root, RelOptInfo *baserel,
									Oid foreigntableid);
extern void cr_get_foreign_paths(PlannerInfo *root, RelOptInfo *baserel,
								 Oid foreigntableid);
extern ForeignScan *cr_get_foreign_plan(PlannerInfo *root, RelOptInfo *baserel,
										Oid foreigntableid, ForeignPath *best_path,
										List *tlist, List *scan_clauses,
										Plan *outer_plan);

#endif							/* CR_PLAN_H */
