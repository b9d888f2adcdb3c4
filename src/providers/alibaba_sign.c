/*-------------------------------------------------------------------------
 *
 * alibaba_sign.c
 *		  Alibaba Cloud request signatures: ACS3-HMAC-SHA256 ("V3") and the
 *		  RPC form (HMAC-SHA1, SignatureVersion=1.0).
 *
 * V3 (see the "V3 request structure and signature" help page):
 *
 *		CanonicalRequest = method \n path \n CanonicalQueryString \n
 *						   CanonicalHeaders \n SignedHeaders \n HashedPayload
 *		StringToSign	 = "ACS3-HMAC-SHA256" \n hex(SHA-256(CanonicalRequest))
 *		Signature		 = hex(HMAC-SHA256(AccessKeySecret, StringToSign))
 *
 * CanonicalHeaders ends in a newline of its own, so a blank line separates
 * it from SignedHeaders.
 *
 * RPC (the "request signatures" page shared by the RPC-style products):
 *
 *		StringToSign = method & "%2F" & enc(CanonicalizedQueryString)
 *		Signature	 = base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))
 *
 * Both canonical query strings sort the parameters by name in byte order
 * and write enc(name)=enc(value) joined by '&', where enc is RFC 3986 over
 * the UTF-8 bytes with uppercase hex (sign.c's cr_append_rfc3986).  The
 * RPC string to sign encodes the canonical query a second time.
 *
 * Everything here is pure: the caller supplies the nonce, the timestamp
 * and every header, and this file only rearranges and hashes them.
 *
 * IDENTIFICATION
 *		  src/providers/alibaba_sign.c
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

#define ACS3_ALGORITHM		"ACS3-HMAC-SHA256"

/* A header to sign, normalized: lower-case name, trimmed value. */
typedef struct Acs3Header
{
	char	   *name;
	char	   *value;
	int			pos;			/* index in the caller's array */
} Acs3Header;

static void hmac_failed(const char *what) pg_attribute_noreturn();
static int	acs3_header_cmp(const void *a, const void *b);
static char *canonical_query(const CrParam *params, int nparams,
							 const char *skip_name);
static char *rpc_string_to_sign(const char *method, const char *cq);
static char *rpc_sign(const char *method, const char *cq,
					  const char *access_key_secret);

/*
 * sign.c's HMAC functions fail only when OpenSSL runs out of memory, so a
 * failure is a cannot-happen state, not a user error.  The frontend build
 * (unit tests) has no elog and stops instead.  The callers wipe their
 * secrets before they get here.
 */
static void
hmac_failed(const char *what)
{
#ifdef FRONTEND
	fprintf(stderr, "could not compute %s\n", what);
	exit(1);
#else
	elog(ERROR, "could not compute %s", what);
#endif
}

/*
 * qsort comparator over Acs3Header: by name, then by value, so that the
 * values of a merged line come out sorted (A7b: "x-acs-test:http,https"),
 * then by position, to stay deterministic when two values are equal.
 */
static int
acs3_header_cmp(const void *a, const void *b)
{
	const Acs3Header *ha = (const Acs3Header *) a;
	const Acs3Header *hb = (const Acs3Header *) b;
	int			cmp;

	cmp = strcmp(ha->name, hb->name);
	if (cmp != 0)
		return cmp;
	cmp = strcmp(ha->value, hb->value);
	if (cmp != 0)
		return cmp;
	return (ha->pos > hb->pos) - (ha->pos < hb->pos);
}

/*
 * The canonical query of both schemes: the parameters sorted by name,
 * enc(name)=enc(value) joined by '&'.  A parameter named skip_name (if not
 * NULL), or with a NULL name or value, is left out; an empty value gives
 * "name=".  The caller's array is not reordered.
 */
static char *
canonical_query(const CrParam *params, int nparams, const char *skip_name)
{
	int			nsorted;
	const CrParam **sorted = cr_sorted_params(params, nparams, skip_name, &nsorted);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < nsorted; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, '&');
		cr_append_rfc3986(&buf, sorted[i]->name);
		appendStringInfoChar(&buf, '=');
		cr_append_rfc3986(&buf, sorted[i]->value);
	}
	pfree(sorted);

	return buf.data;
}

/*
 * cr_acs3_canonical_query
 *		V3 CanonicalQueryString: enc(name)=enc(value) sorted by name and
 *		joined by '&'; an empty value gives "name=" (A7b), no parameters an
 *		empty string.  Palloc'd.
 */
char *
cr_acs3_canonical_query(const CrParam *query, int nquery)
{
	return canonical_query(query, nquery, NULL);
}

/*
 * cr_acs3_canonical_request
 *		The V3 CanonicalRequest, palloc'd.
 *
 * headers are the headers to sign; the caller decides which (the vendor
 * signs host, content-type and x-acs-*).  Names are lower-cased and values
 * trimmed.  Names that are equal after lower-casing merge into one line,
 * their values sorted and joined by ',' (A7b).  Lines are sorted by name.
 * A header with a NULL name or value is left out.  If signed_headers_out
 * is not NULL, it receives the palloc'd SignedHeaders: the distinct names,
 * sorted, joined by ';'.
 *
 * hashed_payload is written as given (lowercase hex SHA-256 of the body
 * for a real request), so a caller with an empty body passes the hash of
 * the empty string rather than a body.
 */
char *
cr_acs3_canonical_request(const char *method, const char *path,
						  const CrParam *query, int nquery,
						  const CrParam *headers, int nheaders,
						  const char *hashed_payload,
						  char **signed_headers_out)
{
	Acs3Header *hdrs;
	int			nhdrs = 0;
	StringInfoData buf;
	StringInfoData names;
	char	   *cq;
	int			i;

	Assert(method != NULL && path != NULL && hashed_payload != NULL);
	Assert(nheaders >= 0);

	hdrs = (Acs3Header *) palloc(sizeof(Acs3Header) * (nheaders + 1));
	for (i = 0; i < nheaders; i++)
	{
		if (headers[i].name == NULL || headers[i].value == NULL)
			continue;
		hdrs[nhdrs].name = cr_ascii_copy(headers[i].name, true, false);
		hdrs[nhdrs].value = cr_ascii_copy(headers[i].value, false, true);
		hdrs[nhdrs].pos = i;
		nhdrs++;
	}
	if (nhdrs > 1)
		qsort(hdrs, nhdrs, sizeof(Acs3Header), acs3_header_cmp);

	initStringInfo(&buf);
	initStringInfo(&names);

	cq = cr_acs3_canonical_query(query, nquery);
	appendStringInfo(&buf, "%s\n%s\n%s\n", method, path, cq);
	pfree(cq);

	/* CanonicalHeaders: one "name:value[,value...]\n" line per name */
	for (i = 0; i < nhdrs; i++)
	{
		if (i > 0 && strcmp(hdrs[i].name, hdrs[i - 1].name) == 0)
		{
			/* same name as the line being written: add the value to it */
			appendStringInfoChar(&buf, ',');
			appendStringInfoString(&buf, hdrs[i].value);
			continue;
		}
		if (i > 0)
		{
			appendStringInfoChar(&buf, '\n');
			appendStringInfoChar(&names, ';');
		}
		appendStringInfo(&buf, "%s:%s", hdrs[i].name, hdrs[i].value);
		appendStringInfoString(&names, hdrs[i].name);
	}
	if (nhdrs > 0)
		appendStringInfoChar(&buf, '\n');

	appendStringInfo(&buf, "\n%s\n%s", names.data, hashed_payload);

	for (i = 0; i < nhdrs; i++)
	{
		pfree(hdrs[i].name);
		pfree(hdrs[i].value);
	}
	pfree(hdrs);

	if (signed_headers_out != NULL)
		*signed_headers_out = names.data;
	else
		pfree(names.data);

	return buf.data;
}

/*
 * cr_acs3_string_to_sign
 *		"ACS3-HMAC-SHA256\n" + lowercase hex SHA-256 of the canonical
 *		request, palloc'd.
 */
char *
cr_acs3_string_to_sign(const char *canonical_request)
{
	char		hash[65];

	cr_sha256_hex(canonical_request, strlen(canonical_request), hash);
	return psprintf("%s\n%s", ACS3_ALGORITHM, hash);
}

/*
 * cr_acs3_authorization
 *		The Authorization header value, palloc'd:
 *		"ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<list>,Signature=<hex>"
 *		with commas and no spaces between the parts (unlike Tencent).
 *
 * The HMAC key is the secret itself, so no copy of it is made here.
 */
char *
cr_acs3_authorization(const char *method, const char *path,
					  const CrParam *query, int nquery,
					  const CrParam *headers, int nheaders,
					  const char *hashed_payload, const char *access_key_id,
					  const char *access_key_secret)
{
	char	   *signed_headers;
	char	   *creq;
	char	   *sts;
	uint8		mac[32];
	char		signature[65];
	char	   *result;

	Assert(access_key_id != NULL && access_key_secret != NULL);

	creq = cr_acs3_canonical_request(method, path, query, nquery,
									 headers, nheaders, hashed_payload,
									 &signed_headers);
	sts = cr_acs3_string_to_sign(creq);

	if (!cr_hmac_sha256((const uint8 *) access_key_secret,
						strlen(access_key_secret),
						sts, strlen(sts), mac))
		hmac_failed("an HMAC-SHA256");
	cr_hex(mac, sizeof(mac), signature);
	explicit_bzero(mac, sizeof(mac));

	result = psprintf("%s Credential=%s,SignedHeaders=%s,Signature=%s",
					  ACS3_ALGORITHM, access_key_id, signed_headers,
					  signature);

	pfree(creq);
	pfree(sts);
	pfree(signed_headers);

	return result;
}

/*
 * The RPC string to sign for an already canonicalized query.  The method
 * is written as given (A7a signs with the empty string); "/" is always
 * the encoded path, "%2F".
 */
static char *
rpc_string_to_sign(const char *method, const char *cq)
{
	StringInfoData buf;

	Assert(method != NULL);

	initStringInfo(&buf);
	appendStringInfoString(&buf, method);
	appendStringInfoString(&buf, "&%2F&");
	cr_append_rfc3986(&buf, cq);

	return buf.data;
}

/*
 * The RPC signature (base64, palloc'd) for an already canonicalized query.
 *
 * The HMAC key secret + "&" is allocated once at its final size, so that
 * no partial copy of the secret is left behind by a buffer enlargement
 * (psprintf retries with a bigger buffer for a long secret), and wiped on
 * every path out of here.
 */
static char *
rpc_sign(const char *method, const char *cq, const char *access_key_secret)
{
	char	   *sts;
	char	   *key;
	size_t		secret_len;
	uint8		mac[20];
	bool		ok;
	char	   *result;

	sts = rpc_string_to_sign(method, cq);

	secret_len = strlen(access_key_secret);
	key = palloc(secret_len + 2);
	memcpy(key, access_key_secret, secret_len);
	key[secret_len] = '&';
	key[secret_len + 1] = '\0';

	ok = cr_hmac_sha1((const uint8 *) key, secret_len + 1,
					  sts, strlen(sts), mac);
	cr_explicit_free(key);
	pfree(sts);
	if (!ok)
		hmac_failed("an HMAC-SHA1");

	result = cr_base64(mac, sizeof(mac));
	explicit_bzero(mac, sizeof(mac));

	return result;
}

/*
 * cr_alibaba_rpc_string_to_sign
 *		method & "%2F" & enc(CanonicalizedQueryString), palloc'd.  The
 *		canonicalized query leaves out any parameter named "Signature",
 *		and those with a NULL name or value.
 */
char *
cr_alibaba_rpc_string_to_sign(const char *method, const CrParam *params,
							  int nparams)
{
	char	   *cq;
	char	   *result;

	cq = canonical_query(params, nparams, "Signature");
	result = rpc_string_to_sign(method, cq);
	pfree(cq);

	return result;
}

/*
 * cr_alibaba_rpc_signature
 *		Base64 HMAC-SHA1 of the string to sign keyed with secret + "&",
 *		palloc'd.  A parameter named "Signature" is skipped.
 */
char *
cr_alibaba_rpc_signature(const char *method, const CrParam *params,
						 int nparams, const char *access_key_secret)
{
	char	   *cq;
	char	   *result;

	cq = canonical_query(params, nparams, "Signature");
	result = rpc_sign(method, cq, access_key_secret);
	pfree(cq);

	return result;
}

/*
 * cr_alibaba_rpc_query
 *		The whole query string to send, palloc'd: the canonicalized query +
 *		"&Signature=" + enc(signature).  The parameters go on the wire in
 *		exactly the form that was signed, so the server cannot decode
 *		anything else.  With no parameters at all the result is just
 *		"Signature=...", without a leading '&'.
 */
char *
cr_alibaba_rpc_query(const char *method, const CrParam *params, int nparams,
					 const char *access_key_secret)
{
	char	   *cq;
	char	   *signature;
	StringInfoData buf;

	cq = canonical_query(params, nparams, "Signature");
	signature = rpc_sign(method, cq, access_key_secret);

	initStringInfo(&buf);
	appendStringInfoString(&buf, cq);
	if (buf.len > 0)
		appendStringInfoChar(&buf, '&');
	appendStringInfoString(&buf, "Signature=");
	cr_append_rfc3986(&buf, signature);

	pfree(cq);
	pfree(signature);

	return buf.data;
}
