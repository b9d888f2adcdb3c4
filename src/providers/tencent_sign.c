/*-------------------------------------------------------------------------
 *
 * tencent_sign.c
 *		  Tencent Cloud TC3-HMAC-SHA256 request signature ("signature v3").
 *
 *		CanonicalRequest = method \n path \n query \n CanonicalHeaders \n
 *						   SignedHeaders \n hex(SHA-256(body))
 *		StringToSign	 = "TC3-HMAC-SHA256" \n timestamp \n
 *						   date/service/tc3_request \n
 *						   hex(SHA-256(CanonicalRequest))
 *		kDate			 = HMAC-SHA256("TC3" + SecretKey, date)
 *		kService		 = HMAC-SHA256(kDate, service)
 *		kSigning		 = HMAC-SHA256(kService, "tc3_request")
 *		Signature		 = hex(HMAC-SHA256(kSigning, StringToSign))
 *
 * CanonicalHeaders ends in a newline of its own, so a blank line separates
 * it from SignedHeaders.  The date is the UTC date of the timestamp: the
 * vendor's servers compute it that way, and a date taken in the local
 * zone (UTC+8 in China) is wrong for eight hours a day (vector T2).  It is
 * computed by arithmetic, never through the process's time zone.
 *
 * There is no nonce: the timestamp, supplied by the caller, is the only
 * thing that changes between attempts.
 *
 * IDENTIFICATION
 *		  src/providers/tencent_sign.c
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/stringinfo.h"

#include "callrecord_fdw.h"
#include "vendor_sign.h"

#define TC3_ALGORITHM		"TC3-HMAC-SHA256"
#define TC3_TERMINATOR		"tc3_request"
#define TC3_SECS_PER_DAY	INT64CONST(86400)

/*
 * Room for a UTC date "YYYY-MM-DD".  Far-off timestamps have longer
 * years: int64 seconds reach about 2.9e11 years, 12 digits and a sign.
 */
#define TC3_DATE_LEN		32

/* A header to sign, normalized: lower-case, trimmed name and value. */
typedef struct Tc3Header
{
	char	   *name;
	char	   *value;
	int			pos;			/* index in the caller's array */
} Tc3Header;

static void hmac_failed(void) pg_attribute_noreturn();
static int	tc3_header_cmp(const void *a, const void *b);
static void utc_date(int64 timestamp, char *out);

/*
 * sign.c's HMAC functions fail only when OpenSSL runs out of memory, so a
 * failure is a cannot-happen state, not a user error.  The frontend build
 * (unit tests) has no elog and stops instead.  The callers wipe their
 * secrets before they get here.
 */
static void
hmac_failed(void)
{
#ifdef FRONTEND
	fprintf(stderr, "could not compute an HMAC-SHA256\n");
	exit(1);
#else
	elog(ERROR, "could not compute an HMAC-SHA256");
#endif
}

/*
 * qsort comparator over Tc3Header: by name, then by position, so that the
 * result does not depend on the qsort implementation if a caller passes
 * the same name twice.
 */
static int
tc3_header_cmp(const void *a, const void *b)
{
	const Tc3Header *ha = (const Tc3Header *) a;
	const Tc3Header *hb = (const Tc3Header *) b;
	int			cmp;

	cmp = strcmp(ha->name, hb->name);
	if (cmp != 0)
		return cmp;
	return (ha->pos > hb->pos) - (ha->pos < hb->pos);
}

/*
 * Write the proleptic Gregorian UTC date of a Unix time in seconds as
 * "YYYY-MM-DD" into out (TC3_DATE_LEN bytes).
 *
 * Pure integer arithmetic, so neither TZ nor the C library's range for
 * time_t matters, and every int64 works.  The day number is shifted so
 * that day 0 is 0000-03-01: years then start in March and the leap day
 * falls at the end of a year.  A 400-year era has 146097 days; inside
 * one, the year, the day of the (March-based) year and the month follow
 * by division, the months March..January having the repeating 153-day,
 * 5-month length pattern 31 30 31 30 31.
 */
static void
utc_date(int64 timestamp, char *out)
{
	int64		days;
	int64		era;
	int64		doe;			/* day of era, 0..146096 */
	int64		yoe;			/* year of era, 0..399 */
	int64		doy;			/* day of the March-based year, 0..365 */
	int64		mp;				/* month, 0 = March .. 11 = February */
	int64		year;
	int			month;
	int			day;

	/* floor division: -1 is 1969-12-31, not 1970-01-01 */
	days = timestamp / TC3_SECS_PER_DAY;
	if (timestamp % TC3_SECS_PER_DAY < 0)
		days--;

	/* 719468 days from 0000-03-01 to 1970-01-01 */
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	day = (int) (doy - (153 * mp + 2) / 5 + 1);
	month = (int) (mp < 10 ? mp + 3 : mp - 9);
	year = yoe + era * 400 + (month <= 2 ? 1 : 0);

	/* |year| < 3e11, so negating it cannot overflow */
	if (year >= 0)
		snprintf(out, TC3_DATE_LEN, "%04" INT64_MODIFIER "d-%02d-%02d",
				 year, month, day);
	else
		snprintf(out, TC3_DATE_LEN, "-%04" INT64_MODIFIER "d-%02d-%02d",
				 -year, month, day);
}

/*
 * cr_tc3_canonical_request
 *		The TC3 CanonicalRequest, palloc'd.
 *
 * query is the canonical query string as it will be sent ("" for a POST
 * with a JSON body; NULL counts as "").  headers are the headers to sign;
 * the caller decides which (at least content-type and host).  Names and
 * values are lower-cased and trimmed (T1c signs
 * "x-tc-action:describeinstances"), and the lines are sorted by name; the
 * caller passes each name once.  A header with a NULL name or value is
 * left out.  If signed_headers_out is not NULL it receives the palloc'd
 * SignedHeaders, the names joined by ';'.
 *
 * The body is hashed as body_len bytes, exactly what is sent; NULL is the
 * empty body.
 */
char *
cr_tc3_canonical_request(const char *method, const char *path,
						 const char *query,
						 const CrParam *headers, int nheaders,
						 const char *body, size_t body_len,
						 char **signed_headers_out)
{
	Tc3Header  *hdrs;
	int			nhdrs = 0;
	StringInfoData buf;
	StringInfoData names;
	char		body_hash[65];
	int			i;

	Assert(method != NULL && path != NULL);
	Assert(nheaders >= 0);
	Assert(body != NULL || body_len == 0);

	hdrs = (Tc3Header *) palloc(sizeof(Tc3Header) * (nheaders + 1));
	for (i = 0; i < nheaders; i++)
	{
		if (headers[i].name == NULL || headers[i].value == NULL)
			continue;
		hdrs[nhdrs].name = cr_ascii_copy(headers[i].name, true, true);
		hdrs[nhdrs].value = cr_ascii_copy(headers[i].value, true, true);
		hdrs[nhdrs].pos = i;
		nhdrs++;
	}
	if (nhdrs > 1)
		qsort(hdrs, nhdrs, sizeof(Tc3Header), tc3_header_cmp);

	cr_sha256_hex(body != NULL ? body : "", body != NULL ? body_len : 0,
				  body_hash);

	initStringInfo(&buf);
	initStringInfo(&names);
	appendStringInfo(&buf, "%s\n%s\n%s\n", method, path,
					 query != NULL ? query : "");
	for (i = 0; i < nhdrs; i++)
	{
		appendStringInfo(&buf, "%s:%s\n", hdrs[i].name, hdrs[i].value);
		if (i > 0)
			appendStringInfoChar(&names, ';');
		appendStringInfoString(&names, hdrs[i].name);
		pfree(hdrs[i].name);
		pfree(hdrs[i].value);
	}
	appendStringInfo(&buf, "\n%s\n%s", names.data, body_hash);
	pfree(hdrs);

	if (signed_headers_out != NULL)
		*signed_headers_out = names.data;
	else
		pfree(names.data);

	return buf.data;
}

/*
 * cr_tc3_string_to_sign
 *		"TC3-HMAC-SHA256\n<timestamp>\n<date>/<service>/tc3_request\n<hex>",
 *		palloc'd, where date is the UTC date of the timestamp (seconds) and
 *		hex the SHA-256 of the canonical request.
 */
char *
cr_tc3_string_to_sign(int64 timestamp, const char *service,
					  const char *canonical_request)
{
	char		date[TC3_DATE_LEN];
	char		hash[65];

	Assert(service != NULL && canonical_request != NULL);

	utc_date(timestamp, date);
	cr_sha256_hex(canonical_request, strlen(canonical_request), hash);

	return psprintf("%s\n" INT64_FORMAT "\n%s/%s/%s\n%s",
					TC3_ALGORITHM, timestamp, date, service, TC3_TERMINATOR,
					hash);
}

/*
 * cr_tc3_signing_key
 *		kSigning, 32 raw bytes into out32: the HMAC-SHA256 chain from
 *		"TC3" + secret_key over date, service and "tc3_request".
 *
 * out32 is secret-derived: the caller wipes it.  "TC3" + key is allocated
 * once at its final size, so no partial copy of the key is left behind by
 * a buffer enlargement, and every intermediate is wiped before returning
 * or raising an error.
 */
void
cr_tc3_signing_key(const char *secret_key, const char *date,
				   const char *service, uint8 *out32)
{
	size_t		key_len;
	char	   *k_secret;
	uint8		k_date[32];
	uint8		k_service[32];
	bool		ok;

	key_len = strlen(secret_key);
	k_secret = palloc(key_len + 4);
	memcpy(k_secret, "TC3", 3);
	memcpy(k_secret + 3, secret_key, key_len);
	k_secret[key_len + 3] = '\0';

	ok = cr_hmac_sha256((const uint8 *) k_secret, key_len + 3,
						date, strlen(date), k_date) &&
		cr_hmac_sha256(k_date, sizeof(k_date),
					   service, strlen(service), k_service) &&
		cr_hmac_sha256(k_service, sizeof(k_service),
					   TC3_TERMINATOR, strlen(TC3_TERMINATOR), out32);

	explicit_bzero(k_secret, key_len + 3);
	pfree(k_secret);
	explicit_bzero(k_date, sizeof(k_date));
	explicit_bzero(k_service, sizeof(k_service));

	if (!ok)
	{
		explicit_bzero(out32, 32);
		hmac_failed();
	}
}

/*
 * cr_tc3_authorization
 *		The Authorization header value, palloc'd:
 *		"TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request,
 *		SignedHeaders=<list>, Signature=<hex>", with a comma and a space
 *		between the parts as the vendor writes it (unlike Alibaba).
 */
char *
cr_tc3_authorization(const char *secret_id, const char *secret_key,
					 const char *service, int64 timestamp,
					 const char *method, const char *path, const char *query,
					 const CrParam *headers, int nheaders,
					 const char *body, size_t body_len)
{
	char	   *signed_headers;
	char	   *creq;
	char	   *sts;
	char		date[TC3_DATE_LEN];
	uint8		k_signing[32];
	uint8		mac[32];
	char		signature[65];
	bool		ok;
	char	   *result;

	creq = cr_tc3_canonical_request(method, path, query, headers, nheaders,
									body, body_len, &signed_headers);
	sts = cr_tc3_string_to_sign(timestamp, service, creq);

	utc_date(timestamp, date);
	cr_tc3_signing_key(secret_key, date, service, k_signing);
	ok = cr_hmac_sha256(k_signing, sizeof(k_signing), sts, strlen(sts), mac);
	explicit_bzero(k_signing, sizeof(k_signing));
	if (!ok)
		hmac_failed();
	cr_hex(mac, sizeof(mac), signature);
	explicit_bzero(mac, sizeof(mac));

	result = psprintf("%s Credential=%s/%s/%s/%s, "
					  "SignedHeaders=%s, Signature=%s",
					  TC3_ALGORITHM, secret_id, date, service, TC3_TERMINATOR,
					  signed_headers, signature);

	pfree(creq);
	pfree(sts);
	pfree(signed_headers);

	return result;
}
