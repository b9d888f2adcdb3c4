/*-------------------------------------------------------------------------
 *
 * convert.c
 *		  Turn decoded JSON values into Datums of the foreign table's columns.
 *
 * Every value goes through the column type's input function, resolved once
 * per scan, so the usual type rules and error codes apply.  Numbers going
 * into a timestamptz column are epoch values: 10^11 and above are
 * milliseconds, smaller ones seconds.  json/jsonb columns get the value as
 * JSON text, or the whole record with field '*'.
 *
 * IDENTIFICATION
 *		  src/convert.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/jsonapi.h"
#include "datatype/timestamp.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "convert.h"

#define UNIX_TO_PG_US ((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY)

void
cr_attconv_init(CrAttConv *ac, Form_pg_attribute att)
{
	Oid			infunc;

	ac->attnum = att->attnum;
	ac->attname = pstrdup(NameStr(att->attname));
	ac->typid = att->atttypid;
	ac->typmod = att->atttypmod;
	ac->is_json = (att->atttypid == JSONOID || att->atttypid == JSONBOID);
	ac->is_tstz = (att->atttypid == TIMESTAMPTZOID);
	getTypeInputInfo(att->atttypid, &infunc, &ac->ioparam);
	fmgr_info(infunc, &ac->infunc);
}

/*
 * Parse an epoch number (seconds or milliseconds, maybe with a fraction)
 * into unix microseconds.
 */
bool
cr_epoch_to_us(const char *s, int64 *us)
{
	char	   *end;
	double		d;

	errno = 0;
	d = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || isnan(d) || isinf(d))
		return false;
	if (fabs(d) >= 1e11)
		d = d * 1000.0;			/* milliseconds */
	else
		d = d * 1000000.0;		/* seconds */
	if (fabs(d) > 9.2e18 / 2)
		return false;
	*us = (int64) llround(d);
	/* a timestamptz PostgreSQL can hold: 4714-11-24 BC and later */
	if (!IS_VALID_TIMESTAMP(*us - UNIX_TO_PG_US))
		return false;
	return true;
}

/*
 * A record's time value (epoch number or ISO 8601 text) in unix
 * microseconds.  Returns false when absent or null; raises the input
 * function's error for text that is not a timestamp.
 */
bool
cr_time_value_to_us(const CrJsonValue *v, int64 *us)
{
	if (v->str == NULL)
		return false;
	if (v->type == JSON_TOKEN_NUMBER)
	{
		if (!cr_epoch_to_us(v->str, us))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_DATETIME_FORMAT),
					 errmsg("epoch value \"%s\" is out of range", v->str)));
		return true;
	}
	if (v->type == JSON_TOKEN_STRING)
	{
		TimestampTz ts;
		char	   *text = v->str;
		char	   *dot;

		/*
		 * Truncate a fraction beyond microseconds (Graph sends 100 ns
		 * digits): a record belongs to the window its own time falls in,
		 * and rounding up could move it past a window's end.  The column
		 * value itself is rounded, as PostgreSQL's input does.
		 */
		dot = strchr(text, '.');
		if (dot)
		{
			size_t		ndig = strspn(dot + 1, "0123456789");

			if (ndig > 6)
			{
				text = palloc(strlen(v->str) + 1);
				memcpy(text, v->str, dot + 7 - v->str);
				strcpy(text + (dot + 7 - v->str), dot + 1 + ndig);
			}
		}
		ts = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in,
													 CStringGetDatum(text),
													 ObjectIdGetDatum(InvalidOid),
													 Int32GetDatum(-1)));

		if (TIMESTAMP_NOT_FINITE(ts))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_DATETIME_FORMAT),
					 errmsg("time value \"%s\" is not finite", v->str)));
		*us = ts + UNIX_TO_PG_US;
		return true;
	}
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
			 errmsg("time value is not a number or a string")));
	return false;
}

static pg_tz *
lookup_zone(const char *tzname)
{
	pg_tz	   *tz = pg_tzset(tzname);

	if (tz == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" is not recognized", tzname)));
	return tz;
}

/*
 * A unix time as a UTC ISO 8601 literal in whole seconds (the fraction is
 * dropped): 2026-01-01T00:00:00Z.  Graph's range bounds and Alibaba's
 * signing timestamps are written this way.
 */
char *
cr_utc_iso_seconds(int64 unix_us)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(unix_us - UNIX_TO_PG_US, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02dZ",
					tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * Wall-clock time in zone tzname of a unix time, as "naive" unix us (the
 * local date and time read as if they were UTC).
 */
int64
cr_unix_to_naive(int64 unix_us, const char *tzname)
{
	pg_tz	   *tz = lookup_zone(tzname);
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;
	Timestamp	local;

	if (timestamp2tm(unix_us - UNIX_TO_PG_US, &tzoff, &tm, &fsec, NULL, tz) != 0 ||
		tm2timestamp(&tm, fsec, NULL, &local) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return local + UNIX_TO_PG_US;
}

/* The unix time of a naive local time in zone tzname (inverse of the above). */
int64
cr_naive_to_unix(int64 naive_us, const char *tzname)
{
	pg_tz	   *tz = lookup_zone(tzname);
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;
	TimestampTz result;

	if (timestamp2tm(naive_us - UNIX_TO_PG_US, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	tzoff = DetermineTimeZoneOffset(&tm, tz);
	if (tm2timestamp(&tm, fsec, &tzoff, &result) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return result + UNIX_TO_PG_US;
}

Datum
cr_convert_text(CrAttConv *ac, const char *text)
{
	return InputFunctionCall(&ac->infunc, (char *) text, ac->ioparam, ac->typmod);
}

Datum
cr_convert_value(CrAttConv *ac, const CrJsonValue *v, bool *isnull)
{
	*isnull = false;
	if (v->str == NULL)
	{
		*isnull = true;
		return (Datum) 0;
	}

	if (ac->is_json)
	{
		if (v->type == JSON_TOKEN_STRING)
		{
			StringInfoData buf;

			initStringInfo(&buf);
			escape_json(&buf, v->str);
			return cr_convert_text(ac, buf.data);
		}
		return cr_convert_text(ac, v->str);
	}

	if (v->type == CR_JSON_OBJECT || v->type == CR_JSON_ARRAY)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("field \"%s\" is a JSON %s, not a scalar",
						ac->fieldname ? ac->fieldname : ac->attname,
						v->type == CR_JSON_OBJECT ? "object" : "array"),
				 errhint("Declare column \"%s\" as json or jsonb to receive it.",
						 ac->attname)));

	if (ac->is_tstz && v->type == JSON_TOKEN_NUMBER)
	{
		int64		us;

		if (!cr_epoch_to_us(v->str, &us))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("epoch value \"%s\" is out of range", v->str)));
		return TimestampTzGetDatum(us - UNIX_TO_PG_US);
	}
	return cr_convert_text(ac, v->str);
}
