/*-------------------------------------------------------------------------
 *
 * tencent_sign.c
 *		  Tencent Cloud TC3-HMAC-SHA256 request signature.
 *
 * CanonicalRequest = method \n path \n query \n canonical headers \n
 * signed headers \n hex SHA-256(body); StringToSign = "TC3-HMAC-SHA256" \n
 * timestamp \n date/service/tc3_request \n hex SHA-256(CanonicalRequest).
 * The key is derived as HMAC chains: "TC3" + SecretKey -> date -> service
 * -> "tc3_request".  The date is the UTC date of the timestamp, computed
 * by arithmetic, never from the process's time zone.
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

#include "callrecord_fdw.h"
#include "vendor_sign.h"

/* sign.c's HMAC only fails on out-of-memory or a broken OpenSSL */
#ifdef FRONTEND
#define HMAC_FAILED(what) \
	do { fprintf(stderr, "could not compute an %s\n", what); exit(1); } while (0)
#else
#define HMAC_FAILED(what) elog(ERROR, "could not compute an %s", what)
#endif

typedef struct Tc3Header
{
	char	   *name;
	char	   *value;
} Tc3Header;

static int
tc3_header_cmp(const void *a, const void *b)
{
	return strcmp(((const Tc3Header *) a)->name, ((const Tc3Header *) b)->name);
}

/* lower-cased and trimmed of spaces and tabs */
static char *
lower_trim(const char *s)
{
	size_t		len;
	char	   *r;
	size_t		i;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	r = pnstrdup(s, len);
	for (i = 0; i < len; i++)
		if (r[i] >= 'A' && r[i] <= 'Z')
			r[i] = r[i] - 'A' + 'a';
	return r;
}

/*
 * cr_tc3_canonical_request
 *		The canonical request; headers to sign have their names and values
 *		lower-cased and trimmed, sorted by name.  *signed_headers_out gets
 *		the names joined by ';'.
 */
char *
cr_tc3_canonical_request(const char *method, const char *path, const char *query,
						 const CrParam *headers, int nheaders,
						 const char *body, size_t body_len,
						 char **signed_headers_out)
{
	Tc3Header  *h = palloc(sizeof(Tc3Header) * (nheaders > 0 ? nheaders : 1));
	StringInfoData buf;
	StringInfoData names;
	char		body_hash[65];
	int			i;

	for (i = 0; i < nheaders; i++)
	{
		h[i].name = lower_trim(headers[i].name);
		h[i].value = lower_trim(headers[i].value);
	}
	qsort(h, nheaders, sizeof(Tc3Header), tc3_header_cmp);

	cr_sha256_hex(body ? body : "", body ? body_len : 0, body_hash);
	initStringInfo(&buf);
	initStringInfo(&names);
	appendStringInfo(&buf, "%s\n%s\n%s\n", method, path, query ? query : "");
	for (i = 0; i < nheaders; i++)
	{
		appendStringInfo(&buf, "%s:%s\n", h[i].name, h[i].value);
		if (i > 0)
			appendStringInfoChar(&names, ';');
		appendStringInfoString(&names, h[i].name);
		pfree(h[i].name);
		pfree(h[i].value);
	}
	appendStringInfo(&buf, "\n%s\n%s", names.data, body_hash);
	pfree(h);
	if (signed_headers_out)
		*signed_headers_out = names.data;
	else
		pfree(names.data);
	return buf.data;
}

/* The UTC date of a unix time in seconds, YYYY-MM-DD (civil-from-days). */
static void
utc_date(int64 timestamp, char *out11)
{
	int64		days = timestamp / 86400;
	int64		era,
				doe,
				yoe,
				doy,
				mp,
				y,
				m,
				d;

	if (timestamp % 86400 < 0)
		days--;
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	snprintf(out11, 11, "%04d-%02d-%02d", (int) y, (int) m, (int) d);
}

/*
 * cr_tc3_string_to_sign
 *		"TC3-HMAC-SHA256\n<timestamp>\n<date>/<service>/tc3_request\n<hash>".
 */
char *
cr_tc3_string_to_sign(int64 timestamp, const char *service,
					  const char *canonical_request)
{
	char		date[11];
	char		hash[65];

	utc_date(timestamp, date);
	cr_sha256_hex(canonical_request, strlen(canonical_request), hash);
	return psprintf("TC3-HMAC-SHA256\n" INT64_FORMAT "\n%s/%s/tc3_request\n%s",
					timestamp, date, service, hash);
}

/*
 * cr_tc3_signing_key
 *		kSigning = HMAC(HMAC(HMAC("TC3" + key, date), service), "tc3_request").
 */
void
cr_tc3_signing_key(const char *secret_key, const char *date, const char *service,
				   uint8 *out32)
{
	char	   *k0 = psprintf("TC3%s", secret_key);
	uint8		k_date[32];
	uint8		k_service[32];

	if (!cr_hmac_sha256((const uint8 *) k0, strlen(k0), date, strlen(date), k_date) ||
		!cr_hmac_sha256(k_date, 32, service, strlen(service), k_service) ||
		!cr_hmac_sha256(k_service, 32, "tc3_request", 11, out32))
		HMAC_FAILED("HMAC-SHA256");
	explicit_bzero(k_date, sizeof(k_date));
	explicit_bzero(k_service, sizeof(k_service));
	cr_explicit_free(k0);
}

/*
 * cr_tc3_authorization
 *		"TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request,
 *		SignedHeaders=<list>, Signature=<hex>" (a comma and a space between
 *		the parts, as the vendor writes it).
 */
char *
cr_tc3_authorization(const char *secret_id, const char *secret_key,
					 const char *service, int64 timestamp,
					 const char *method, const char *path, const char *query,
					 const CrParam *headers, int nheaders,
					 const char *body, size_t body_len)
{
	char	   *signed_headers;
	char	   *creq = cr_tc3_canonical_request(method, path, query, headers, nheaders,
												body, body_len, &signed_headers);
	char	   *sts = cr_tc3_string_to_sign(timestamp, service, creq);
	char		date[11];
	uint8		key[32];
	uint8		mac[32];
	char		sig[65];
	char	   *result;

	utc_date(timestamp, date);
	cr_tc3_signing_key(secret_key, date, service, key);
	if (!cr_hmac_sha256(key, sizeof(key), sts, strlen(sts), mac))
		HMAC_FAILED("HMAC-SHA256");
	explicit_bzero(key, sizeof(key));
	cr_hex(mac, sizeof(mac), sig);
	explicit_bzero(mac, sizeof(mac));
	result = psprintf("TC3-HMAC-SHA256 Credential=%s/%s/%s/tc3_request, SignedHeaders=%s, Signature=%s",
					  secret_id, date, service, signed_headers, sig);
	pfree(creq);
	pfree(sts);
	pfree(signed_headers);
	return result;
}
