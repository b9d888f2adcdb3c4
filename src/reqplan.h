/*-------------------------------------------------------------------------
 *
 * reqplan.h
 *		  The request plan of a scan (reqplan.c).
 *
 * IDENTIFICATION
 *		  src/reqplan.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CR_REQPLAN_H
#define CR_REQPLAN_H

#include "callrecord_fdw.h"

/* One pushed condition with its value evaluated. */
typedef struct CrPushedValue
{
	int			colidx;			/* canonical column */
	int			op;				/* CR_OP_* */
	bool		isnull;
	int64		us;				/* time column: value in unix us */
	char	  **texts;			/* other columns: value(s) as text */
	int			ntexts;
} CrPushedValue;

typedef struct CrReqPlan
{
	bool		empty;			/* contradiction: send nothing */
	const char *empty_reason;
	int64		start_us;		/* the clamped range [start_us, end_us) */
	int64		end_us;
	bool		clamped_history;	/* lower end set by history_days */
	bool		had_lower_bound;	/* ... although the query had one */
	int			nwindows;		/* in walk order */
	int64	   *wstart;
	int64	   *wend;
	int			ncombos;		/* fan-out combinations */
	int			nparams;		/* parameters per combination */
	CrParam    *params;			/* ncombos * nparams */
} CrReqPlan;

extern CrReqPlan *cr_build_reqplan(const CrOptions *opts,
								   const CrPushedValue *vals, int nvals,
								   int order, int64 now_us);

#endif							/* CR_REQPLAN_H */
