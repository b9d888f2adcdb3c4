/*-------------------------------------------------------------------------
 *
 * scan.h
 *		  Executor callbacks (scan.c).
 *
 * IDENTIFICATION
 *		  src/scan.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CR_SCAN_H
#define CR_SCAN_H

#include "commands/explain.h"
#include "nodes/execnodes.h"

extern void cr_begin_foreign_scan(ForeignScanState *node, int eflags);
extern TupleTableSlot *cr_iterate_foreign_scan(ForeignScanState *node);
extern void cr_rescan_foreign_scan(ForeignScanState *node);
extern void cr_end_foreign_scan(ForeignScanState *node);
extern void cr_explain_foreign_scan(ForeignScanState *node, ExplainState *es);

#endif							/* CR_SCAN_H */
