/*-------------------------------------------------------------------------
 *
 * alibaba_sign.c
 *		  Alibaba Cloud request signatures: ACS3-HMAC-SHA256 ("V3") and the
 *		  RPC form (HMAC-SHA1, SignatureVersion=1.0).
 *
 * V3: CanonicalRequest = method \n path \n canonical query \n canonical
 * headers \n signed headers \n hashed payload; StringToSign =
 * "ACS3-HMAC-SHA256\n" + hex SHA-256(CanonicalRequest); the signature is
 * the hex HMAC-SHA256 of it keyed with the AccessKey secret.
 *
 * RPC: StringToSign = method & enc("/") & enc(canonicalized query); the
 * signature is the Base64 HMAC-SHA1 keyed with secret + "&".
 *
 * Both canonical query strings sort the parameters by name in byte order
 * and percent-encode names and values per RFC 3986 (uppercase hex).
 * Pure functions: the caller supplies nonce and timestamp.
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

#include "callrecord_fdw.h"
#include "vendor_sign.h"

/* sign.c's HMAC only fails on out-of-memory or a broken OpenSSL */
#ifdef FRONTEND
#define HMAC_FAILED(what) \
	do { fprintf(stderr, "could not compute an %s\n", what); exit(1); } while (0)
#else
#define HMAC_FAILED(what) elog(ERROR, "could not compute an %s", what)
#endif

/* Sort pointers to CrParam by name (byte order), stable by position. */
static int
param_cmp(const void *a, const void *b)
{
	const CrParam *pa = *(const CrParam *const *) a;
	const CrParam *pb = *(const CrParam *const *) b;
	int			c = strcmp(pa->name, pb->name);

	if (c != 0)
		return c;
	return (pa < pb) ? -1 : (pa > pb) ? 1 : 0;
}

/* The parameters other than skip_name, sorted. */
static const CrParam **
sorted_params(const CrParam *params, int n, const char *skip_name, int *nout)
{
	const CrParam **v = palloc(sizeof(CrParam *) * (n > 0 ? n : 1));
	int			i,
				m = 0;

	for (i = 0; i < n; i++)
	{
		if (params[i].name == NULL || params[i].value == NULL)
			continue;
		if (skip_name && strcmp(params[i].name, skip_name) == 0)
			continue;
		v[m++] = &params[i];
	}
	qsort(v, m, sizeof(CrParam *), param_cmp);
	*nout = m;
	return v;
}

static char *
canonical_query(const CrParam *params, int n, const char *skip_name)
{
	int			m,
				i;
	const CrParam **v = sorted_params(params, n, skip_name, &m);
	StringInfoData buf;

	initStringInfo(&buf);
	for (i = 0; i < m; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, '&');
		cr_append_rfc3986(&buf, v[i]->name);
		appendStringInfoChar(&buf, '=');
		cr_append_rfc3986(&buf, v[i]->value);
	}
	pfree(v);
	return buf.data;
}

/*
 * cr_acs3_canonical_query
 *		enc(name)=enc(value) sorted by name and joined by '&'; an empty value
 *		gives "name=".
 */
char *
cr_acs3_canonical_query(const CrParam *query, int nquery)
{
	return canonical_query(query, nquery, NULL);
}

/* A header to sign: lower-cased name, trimmed value. */
typedef struct SignHeader
{
	char	   *name;
	char	   *value;
	int			pos;
} SignHeader;

static int
header_cmp(const void *a, const void *b)
{
	const SignHeader *ha = (const SignHeader *) a;
	const SignHeader *hb = (const SignHeader *) b;
	int			c = strcmp(ha->name, hb->name);

	if (c != 0)
		return c;
	/* equal names: values sorted, for the comma-joined line */
	c = strcmp(ha->value, hb->value);
	if (c != 0)
		return c;
	return ha->pos - hb->pos;
}

static char *
lower_copy(const char *s)
{
	char	   *r = pstrdup(s);
	char	   *p;

	for (p = r; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = *p - 'A' + 'a';
	return r;
}

static char *
trim_copy(const char *s)
{
	size_t		len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return pnstrdup(s, len);
}

/*
 * cr_acs3_canonical_request
 *		The V3 canonical request.  Header names are lower-cased and values
 *		trimmed; headers whose names are equal after lower-casing merge into
 *		one line, their values sorted and joined by ','.  *signed_headers_out
 *		receives the sorted, distinct names joined by ';'.
 */
char *
cr_acs3_canonical_request(const char *method, const char *path,
						  const CrParam *query, int nquery,
						  const CrParam *headers, int nheaders,
						  const char *hashed_payload, char **signed_headers_out)
{
	SignHeader *h = palloc(sizeof(SignHeader) * (nheaders > 0 ? nheaders : 1));
	StringInfoData buf;
	StringInfoData names;
	char	   *cq;
	int			i;

	for (i = 0; i < nheaders; i++)
	{
		h[i].name = lower_copy(headers[i].name);
		h[i].value = trim_copy(headers[i].value);
		h[i].pos = i;
	}
	qsort(h, nheaders, sizeof(SignHeader), header_cmp);

	cq = cr_acs3_canonical_query(query, nquery);
	initStringInfo(&buf);
	initStringInfo(&names);
	appendStringInfo(&buf, "%s\n%s\n%s\n", method, path, cq);
	for (i = 0; i < nheaders; i++)
	{
		bool		same_as_prev = (i > 0 && strcmp(h[i].name, h[i - 1].name) == 0);

		if (same_as_prev)
			appendStringInfo(&buf, ",%s", h[i].value);
		else
		{
			if (i > 0)
			{
				appendStringInfoChar(&buf, '\n');
				appendStringInfoChar(&names, ';');
			}
			appendStringInfo(&buf, "%s:%s", h[i].name, h[i].value);
			appendStringInfoString(&names, h[i].name);
		}
	}
	if (nheaders > 0)
		appendStringInfoChar(&buf, '\n');
	appendStringInfo(&buf, "\n%s\n%s", names.data, hashed_payload);

	for (i = 0; i < nheaders; i++)
	{
		pfree(h[i].name);
		pfree(h[i].value);
	}
	pfree(h);
	pfree(cq);
	if (signed_headers_out)
		*signed_headers_out = names.data;
	else
		pfree(names.data);
	return buf.data;
}

/*
 * cr_acs3_authorization
 *		The Authorization header value:
 *		"ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<list>,Signature=<hex>".
 */
char *
cr_acs3_authorization(const char *method, const char *path,
					  const CrParam *query, int nquery,
					  const CrParam *headers, int nheaders,
					  const char *hashed_payload, const char *access_key_id,
					  const char *access_key_secret)
{
	char	   *signed_headers;
	char	   *creq = cr_acs3_canonical_request(method, path, query, nquery,
												 headers, nheaders, hashed_payload,
												 &signed_headers);
	char		creq_hash[65];
	char	   *sts;
	uint8		mac[32];
	char		sig[65];
	char	   *result;

	cr_sha256_hex(creq, strlen(creq), creq_hash);
	sts = psprintf("ACS3-HMAC-SHA256\n%s", creq_hash);
	if (!cr_hmac_sha256((const uint8 *) access_key_secret, strlen(access_key_secret),
						sts, strlen(sts), mac))
		HMAC_FAILED("HMAC-SHA256");
	cr_hex(mac, sizeof(mac), sig);
	explicit_bzero(mac, sizeof(mac));
	result = psprintf("ACS3-HMAC-SHA256 Credential=%s,SignedHeaders=%s,Signature=%s",
					  access_key_id, signed_headers, sig);
	pfree(creq);
	pfree(sts);
	pfree(signed_headers);
	return result;
}

/*
 * cr_alibaba_rpc_string_to_sign
 *		method & "%2F" & enc(canonicalized query), the query without any
 *		parameter named "Signature".
 */
char *
cr_alibaba_rpc_string_to_sign(const char *method, const CrParam *params, int nparams)
{
	char	   *cq = canonical_query(params, nparams, "Signature");
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s&%%2F&", method);
	cr_append_rfc3986(&buf, cq);
	pfree(cq);
	return buf.data;
}

/*
 * cr_alibaba_rpc_signature
 *		Base64 HMAC-SHA1 of the string to sign, keyed with secret + "&".
 */
char *
cr_alibaba_rpc_signature(const char *method, const CrParam *params, int nparams,
						 const char *access_key_secret)
{
	char	   *sts = cr_alibaba_rpc_string_to_sign(method, params, nparams);
	char	   *key = psprintf("%s&", access_key_secret);
	uint8		mac[20];
	char	   *result;

	if (!cr_hmac_sha1((const uint8 *) key, strlen(key), sts, strlen(sts), mac))
		HMAC_FAILED("HMAC-SHA1");
	result = cr_base64(mac, sizeof(mac));
	explicit_bzero(mac, sizeof(mac));
	cr_explicit_free(key);
	pfree(sts);
	return result;
}

/*
 * cr_alibaba_rpc_query
 *		The query string to send: the canonicalized query + "&Signature=" +
 *		enc(signature).
 */
char *
cr_alibaba_rpc_query(const char *method, const CrParam *params, int nparams,
					 const char *access_key_secret)
{
	char	   *cq = canonical_query(params, nparams, "Signature");
	char	   *sig = cr_alibaba_rpc_signature(method, params, nparams, access_key_secret);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, cq);
	appendStringInfoString(&buf, "&Signature=");
	cr_append_rfc3986(&buf, sig);
	pfree(cq);
	pfree(sig);
	return buf.data;
}
