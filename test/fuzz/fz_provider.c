/*-------------------------------------------------------------------------
 *
 * fz_provider.c
 *		  The read_page helpers of src/provider.c (cr_page_init,
 *		  cr_parse_body, cr_page_take_rows), built in the frontend for the
 *		  vendor targets.  Taken from that file at build time (extract.awk):
 *		  the rest of provider.c needs the backend.
 *
 * IDENTIFICATION
 *		  test/fuzz/fz_provider.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "provider.h"

#include "gen/provider_fe.inc"
