/*-------------------------------------------------------------------------
 *
 * convert.h
 *		  JSON values -> Datums (convert.c).
 *
 * IDENTIFICATION
 *		  src/convert.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CR_CONVERT_H
#define CR_CONVERT_H

#include "access/tupdesc.h"
#include "fmgr.h"

#include "callrecord_fdw.h"

typedef enum CrConvKind
{
	CR_AC_NULL,					/* no source: always NULL */
	CR_AC_FIELD,				/* a record field */
	CR_AC_RAW,					/* the whole record (json/jsonb, field '*') */
	CR_AC_FANOUT,				/* the pushed equality value of the request */
	CR_AC_DAY					/* the day the request asked for */
} CrConvKind;

typedef struct CrAttConv
{
	AttrNumber	attnum;
	const char *attname;
	const char *fieldname;		/* for messages */
	CrConvKind	kind;
	int			field;			/* index into the scan's field list */
	int			alt_field;		/* fallback field, or -1 */
	const char *fanout_param;	/* CR_AC_FANOUT: request parameter name */
	Oid			typid;
	int32		typmod;
	bool		is_json;		/* json or jsonb target */
	bool		is_tstz;		/* timestamptz target */
	FmgrInfo	infunc;
	Oid			ioparam;
} CrAttConv;

extern void cr_attconv_init(CrAttConv *ac, Form_pg_attribute att);
extern Datum cr_convert_value(CrAttConv *ac, const CrJsonValue *v, bool *isnull);
extern Datum cr_convert_text(CrAttConv *ac, const char *text);
extern bool cr_epoch_to_us(const char *s, int64 *us);
extern bool cr_time_value_to_us(const CrJsonValue *v, int64 *us);
extern char *cr_utc_iso_seconds(int64 unix_us);
extern int64 cr_unix_to_naive(int64 unix_us, const char *tzname);
extern int64 cr_naive_to_unix(int64 naive_us, const char *tzname);

#endif							/* CR_CONVERT_H */
