/*-------------------------------------------------------------------------
 *
 * test_sign.c
 *		  Unit tests of the signing helpers (sign.c) and the vendor signers
 *		  (vendor_sign.h), built as a frontend program.
 *
 * The vectors come from vectors.json through gen_vectors.py; nothing is
 * read at run time.  One line is printed per failed check, then
 * "N passed, N failed"; the exit status is 1 when a check failed.
 *
 * IDENTIFICATION
 *		  test/unit/test_sign.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/stringinfo.h"

#include "callrecord_fdw.h"
#include "vendor_sign.h"
#include "vectors_alibaba.h"
#include "vectors_encoding.h"
#include "vectors_tencent.h"
#include "vectors_ucloud.h"

static int	npassed = 0;
static int	nfailed = 0;

/* Record one check whose result is a string. */
static void
check_str(const char *what, const char *got, const char *want)
{
	if (got != NULL && want != NULL && strcmp(got, want) == 0)
	{
		npassed++;
		return;
	}
	nfailed++;
	printf("FAIL %s: got \"%s\", want \"%s\"\n", what,
		   got ? got : "(null)", want ? want : "(null)");
}

/* Record one check that is a condition. */
static void
check_true(const char *what, bool ok)
{
	if (ok)
	{
		npassed++;
		return;
	}
	nfailed++;
	printf("FAIL %s\n", what);
}

/* ------------------------------------------------------------------------
 * sign.c
 * ------------------------------------------------------------------------
 */

static void
test_digests(void)
{
	static const char m448[] =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char		hex41[41];
	char		hex65[65];

	/* FIPS 180-2 examples */
	cr_sha1_hex("abc", 3, hex41);
	check_str("sha1(abc)", hex41, "a9993e364706816aba3e25717850c26c9cd0d89d");
	cr_sha1_hex(m448, strlen(m448), hex41);
	check_str("sha1(448-bit message)", hex41,
			  "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	cr_sha1_hex("", 0, hex41);
	check_str("sha1(empty)", hex41, "da39a3ee5e6b4b0d3255bfef95601890afd80709");

	cr_sha256_hex("abc", 3, hex65);
	check_str("sha256(abc)", hex65,
			  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cr_sha256_hex(m448, strlen(m448), hex65);
	check_str("sha256(448-bit message)", hex65,
			  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	cr_sha256_hex("", 0, hex65);
	check_str("sha256(empty)", hex65,
			  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void
test_hmac(void)
{
	uint8		key0b[20];
	uint8		keyaa[131];
	uint8		mac[32];
	char		hex[65];
	bool		ok;

	memset(key0b, 0x0b, sizeof(key0b));
	memset(keyaa, 0xaa, sizeof(keyaa));

	/* RFC 4231 test case 1 */
	ok = cr_hmac_sha256(key0b, sizeof(key0b), "Hi There", 8, mac);
	check_true("hmac-sha256 rfc4231 case 1 returns true", ok);
	cr_hex(mac, 32, hex);
	check_str("hmac-sha256 rfc4231 case 1", hex,
			  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

	/* RFC 4231 test case 2 */
	ok = cr_hmac_sha256((const uint8 *) "Jefe", 4,
						"what do ya want for nothing?", 28, mac);
	check_true("hmac-sha256 rfc4231 case 2 returns true", ok);
	cr_hex(mac, 32, hex);
	check_str("hmac-sha256 rfc4231 case 2", hex,
			  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

	/* RFC 4231 test case 6: key longer than the block */
	ok = cr_hmac_sha256(keyaa, sizeof(keyaa),
						"Test Using Larger Than Block-Size Key - Hash Key First",
						54, mac);
	check_true("hmac-sha256 rfc4231 case 6 returns true", ok);
	cr_hex(mac, 32, hex);
	check_str("hmac-sha256 rfc4231 case 6", hex,
			  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");

	/* RFC 2202 test case 1 */
	ok = cr_hmac_sha1(key0b, sizeof(key0b), "Hi There", 8, mac);
	check_true("hmac-sha1 rfc2202 case 1 returns true", ok);
	cr_hex(mac, 20, hex);
	check_str("hmac-sha1 rfc2202 case 1", hex,
			  "b617318655057264e28bc0b6fb378c8ef146be00");

	/* RFC 2202 test case 2 */
	ok = cr_hmac_sha1((const uint8 *) "Jefe", 4,
					  "what do ya want for nothing?", 28, mac);
	check_true("hmac-sha1 rfc2202 case 2 returns true", ok);
	cr_hex(mac, 20, hex);
	check_str("hmac-sha1 rfc2202 case 2", hex,
			  "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

static void
test_hex_base64(void)
{
	static const uint8 bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
	static const struct
	{
		const char *in;
		const char *out;
	}			b64[] =
	{
		/* RFC 4648 section 10 */
		{"", ""},
		{"f", "Zg=="},
		{"fo", "Zm8="},
		{"foo", "Zm9v"},
		{"foob", "Zm9vYg=="},
		{"fooba", "Zm9vYmE="},
		{"foobar", "Zm9vYmFy"},
		/* the characters that differ from the URL-safe alphabet */
		{"\xfb\xff\xbf", "+/+/"},
	};
	char		hex[2 * sizeof(bytes) + 1];
	char		what[64];
	int			i;

	cr_hex(bytes, sizeof(bytes), hex);
	check_str("hex", hex, "00017f80abff");
	cr_hex(bytes, 0, hex);
	check_str("hex of nothing", hex, "");

	for (i = 0; i < lengthof(b64); i++)
	{
		char	   *got;

		got = cr_base64((const uint8 *) b64[i].in, strlen(b64[i].in));
		snprintf(what, sizeof(what), "base64(\"%s\")", b64[i].in);
		check_str(what, got, b64[i].out);
		pfree(got);
	}
}

static void
test_encoding(void)
{
	/* "a b+c@d~e/" with e-acute in UTF-8 */
	static const char mixed[] = "a b+c@d~\xc3\xa9/";
	StringInfoData buf;

	initStringInfo(&buf);

	cr_append_rfc3986(&buf, mixed);
	check_str("rfc3986(\"a b+c@d~\\u00e9/\")", buf.data,
			  "a%20b%2Bc%40d~%C3%A9%2F");

	resetStringInfo(&buf);
	cr_append_form(&buf, mixed);
	check_str("form(\"a b+c@d~\\u00e9/\")", buf.data,
			  "a+b%2Bc%40d~%C3%A9%2F");

	/* UCloud U6 PhoneNumber on the wire */
	resetStringInfo(&buf);
	cr_append_form(&buf, "+8613512345678");
	check_str("form(\"+8613512345678\")", buf.data, "%2B8613512345678");

	/* appending keeps what is there */
	resetStringInfo(&buf);
	appendStringInfoString(&buf, "x=");
	cr_append_rfc3986(&buf, "*");
	check_str("rfc3986 appends", buf.data, "x=%2A");

	/* every byte, against Python's urllib.parse */
	resetStringInfo(&buf);
	cr_append_rfc3986(&buf, encoding_input);
	check_str("rfc3986(bytes 1..255) = urllib.parse.quote(safe=\"-_.~\")",
			  buf.data, encoding_rfc3986);

	resetStringInfo(&buf);
	cr_append_form(&buf, encoding_input);
	check_str("form(bytes 1..255) = urllib.parse.quote_plus", buf.data,
			  encoding_form);

	pfree(buf.data);
}

static void
test_explicit_free(void)
{
	char	   *s = pstrdup("secret");

	cr_explicit_free(s);
	cr_explicit_free(NULL);
	check_true("cr_explicit_free(NULL) returns", true);
}

/* ------------------------------------------------------------------------
 * UCloud
 * ------------------------------------------------------------------------
 */

static void
test_ucloud_vectors(void)
{
	int			i;

	for (i = 0; i < lengthof(ucloud_vectors); i++)
	{
		const UcloudVector *v = &ucloud_vectors[i];
		CrParam    *params;
		CrParam    *reversed;
		char	   *sts;
		char	   *sig;
		char		what[128];
		bool		unchanged = true;
		int			j;

		/* a private copy, to see that the signer leaves its order alone */
		params = palloc(sizeof(CrParam) * (v->nparams + 1));
		memcpy(params, v->params, sizeof(CrParam) * v->nparams);

		sts = cr_ucloud_string_to_sign(params, v->nparams, v->private_key);
		snprintf(what, sizeof(what), "ucloud %s string_to_sign", v->name);
		check_str(what, sts, v->string_to_sign);

		sig = cr_ucloud_signature(params, v->nparams, v->private_key);
		snprintf(what, sizeof(what), "ucloud %s signature", v->name);
		check_str(what, sig, v->signature);

		for (j = 0; j < v->nparams; j++)
		{
			if (params[j].name != v->params[j].name ||
				params[j].value != v->params[j].value)
				unchanged = false;
		}
		snprintf(what, sizeof(what), "ucloud %s caller's params unchanged",
				 v->name);
		check_true(what, unchanged);

		/* the input order does not matter */
		reversed = palloc(sizeof(CrParam) * (v->nparams + 1));
		for (j = 0; j < v->nparams; j++)
			reversed[j] = v->params[v->nparams - 1 - j];
		pfree(sig);
		sig = cr_ucloud_signature(reversed, v->nparams, v->private_key);
		snprintf(what, sizeof(what), "ucloud %s signature, reversed input",
				 v->name);
		check_str(what, sig, v->signature);

		/* a Signature parameter and a NULL value are left out */
		params[v->nparams].name = "Signature";
		params[v->nparams].value = "0123456789abcdef0123456789abcdef01234567";
		pfree(sig);
		sig = cr_ucloud_signature(params, v->nparams + 1, v->private_key);
		snprintf(what, sizeof(what), "ucloud %s signature, Signature skipped",
				 v->name);
		check_str(what, sig, v->signature);

		params[v->nparams].name = "Aaa";
		params[v->nparams].value = NULL;
		pfree(sig);
		sig = cr_ucloud_signature(params, v->nparams + 1, v->private_key);
		snprintf(what, sizeof(what), "ucloud %s signature, NULL value skipped",
				 v->name);
		check_str(what, sig, v->signature);

		cr_explicit_free(sts);
		pfree(sig);
		pfree(params);
		pfree(reversed);
	}

	check_true("ucloud: 10 vectors", lengthof(ucloud_vectors) == 10);
}

static void
test_ucloud_edges(void)
{
	static const CrParam dup[] = {
		{"B", "2"},
		{"A", "x"},
		{"A", "y"},
	};
	static const CrParam bytes[] = {
		{"b", "1"},
		{"B", "2"},
		{"\xc3\xa9", "3"},
		{"_", "4"},
	};
	char	   *s;

	s = cr_ucloud_string_to_sign(NULL, 0, "key");
	check_str("ucloud no params", s, "key");
	cr_explicit_free(s);

	/* equal names keep the caller's order */
	s = cr_ucloud_string_to_sign(dup, lengthof(dup), "k");
	check_str("ucloud equal names", s, "AxAyB2k");
	cr_explicit_free(s);

	/* byte order: upper case < '_' < lower case < UTF-8 */
	s = cr_ucloud_string_to_sign(bytes, lengthof(bytes), "k");
	check_str("ucloud byte order", s, "B2_4b1\xc3\xa9" "3k");
	cr_explicit_free(s);
}

/* ------------------------------------------------------------------------
 * Alibaba and Tencent vectors, step by step: the hash, HMAC and encoding
 * primitives applied to each vector's own intermediate values, which shows
 * that the vectors agree with themselves and with sign.c.  The signers
 * themselves are tested further down.
 * ------------------------------------------------------------------------
 */

static const char *
vec_field(const VendorVector *v, const char *name)
{
	int			i;

	for (i = 0; i < v->nfields; i++)
	{
		if (strcmp(v->fields[i].name, name) == 0)
			return v->fields[i].value;
	}
	return NULL;
}

static void
test_alibaba_steps(void)
{
	int			i;

	for (i = 0; i < lengthof(alibaba_vectors); i++)
	{
		const VendorVector *v = &alibaba_vectors[i];
		const char *alg = vec_field(v, "algorithm");
		const char *secret = vec_field(v, "access_key_secret");
		const char *sts = vec_field(v, "string_to_sign");
		char		what[128];
		uint8		mac[32];
		bool		ok;

		if (alg && strcmp(alg, "RPC-HMAC-SHA1") == 0)
		{
			StringInfoData key;
			StringInfoData enc;
			char	   *b64;

			/* HMAC-SHA1 under secret + "&", base64, then percent-encoded */
			initStringInfo(&key);
			appendStringInfo(&key, "%s&", secret);
			ok = cr_hmac_sha1((const uint8 *) key.data, key.len,
							  sts, strlen(sts), mac);
			b64 = cr_base64(mac, 20);
			snprintf(what, sizeof(what), "alibaba %s signature", v->name);
			check_str(what, ok ? b64 : NULL, vec_field(v, "signature"));

			initStringInfo(&enc);
			cr_append_rfc3986(&enc, b64);
			snprintf(what, sizeof(what), "alibaba %s signature_urlencoded",
					 v->name);
			check_str(what, enc.data, vec_field(v, "signature_urlencoded"));

			pfree(b64);
			pfree(key.data);
			pfree(enc.data);
		}
		else if (alg && strcmp(alg, "ACS3-HMAC-SHA256") == 0)
		{
			const char *body = vec_field(v, "body");
			const char *creq = vec_field(v, "canonical_request");
			char		hex[65];

			if (body != NULL)
			{
				cr_sha256_hex(body, strlen(body), hex);
				snprintf(what, sizeof(what), "alibaba %s hashed_payload",
						 v->name);
				check_str(what, hex, vec_field(v, "hashed_payload"));
			}

			cr_sha256_hex(creq, strlen(creq), hex);
			snprintf(what, sizeof(what), "alibaba %s hashed_canonical_request",
					 v->name);
			check_str(what, hex, vec_field(v, "hashed_canonical_request"));

			ok = cr_hmac_sha256((const uint8 *) secret, strlen(secret),
								sts, strlen(sts), mac);
			cr_hex(mac, 32, hex);
			snprintf(what, sizeof(what), "alibaba %s signature", v->name);
			check_str(what, ok ? hex : NULL, vec_field(v, "signature"));
		}
		else
		{
			snprintf(what, sizeof(what), "alibaba %s: known algorithm",
					 v->name);
			check_true(what, false);
		}
	}
}

static void
test_tencent_steps(void)
{
	int			i;

	for (i = 0; i < lengthof(tencent_vectors); i++)
	{
		const VendorVector *v = &tencent_vectors[i];
		const char *body = vec_field(v, "body");
		const char *creq = vec_field(v, "canonical_request");
		const char *secret = vec_field(v, "secret_key");
		const char *date = vec_field(v, "date");
		const char *service = vec_field(v, "service");
		const char *sts = vec_field(v, "string_to_sign");
		char	   *k0;
		uint8		kdate[32];
		uint8		kservice[32];
		uint8		ksigning[32];
		uint8		sig[32];
		char		hex[65];
		char		what[128];
		bool		ok;

		cr_sha256_hex(body, strlen(body), hex);
		snprintf(what, sizeof(what), "tencent %s hashed_payload", v->name);
		check_str(what, hex, vec_field(v, "hashed_payload"));

		cr_sha256_hex(creq, strlen(creq), hex);
		snprintf(what, sizeof(what), "tencent %s hashed_canonical_request",
				 v->name);
		check_str(what, hex, vec_field(v, "hashed_canonical_request"));

		/* TC3 key derivation: "TC3" + key, date, service, "tc3_request" */
		k0 = psprintf("TC3%s", secret);
		ok = cr_hmac_sha256((const uint8 *) k0, strlen(k0),
							date, strlen(date), kdate) &&
			cr_hmac_sha256(kdate, 32, service, strlen(service), kservice) &&
			cr_hmac_sha256(kservice, 32, "tc3_request", 11, ksigning);
		cr_hex(ksigning, 32, hex);
		snprintf(what, sizeof(what), "tencent %s signing_key_hex", v->name);
		check_str(what, ok ? hex : NULL, vec_field(v, "signing_key_hex"));

		ok = cr_hmac_sha256(ksigning, 32, sts, strlen(sts), sig);
		cr_hex(sig, 32, hex);
		snprintf(what, sizeof(what), "tencent %s signature", v->name);
		check_str(what, ok ? hex : NULL, vec_field(v, "signature"));

		cr_explicit_free(k0);
	}
}


/* ------------------------------------------------------------------------
 * The Alibaba and Tencent signers against every published vector: each
 * intermediate the vector publishes is compared byte for byte with what
 * the signer computes.  The expected values of the edge cases below were
 * computed separately, with Python's hashlib, hmac, base64 and
 * urllib.parse.
 * ------------------------------------------------------------------------
 */

/* vec_field that must exist: a missing field is a failed check */
static const char *
vec_need(const VendorVector *v, const char *vendor, const char *name)
{
	const char *value = vec_field(v, name);

	if (value == NULL)
	{
		char		what[128];

		snprintf(what, sizeof(what), "%s %s has a \"%s\" field",
				 vendor, v->name, name);
		check_true(what, false);
	}
	return value;
}

/* The text after the last occurrence of marker in s, or NULL. */
static const char *
after_last(const char *s, const char *marker)
{
	const char *found = NULL;
	const char *p = s;

	if (s == NULL)
		return NULL;
	while ((p = strstr(p, marker)) != NULL)
	{
		found = p;
		p++;
	}
	return found ? found + strlen(marker) : NULL;
}

/* Line n (0-based) of s, palloc'd, or NULL. */
static char *
nth_line(const char *s, int n)
{
	const char *end;

	if (s == NULL)
		return NULL;
	while (n-- > 0)
	{
		s = strchr(s, '\n');
		if (s == NULL)
			return NULL;
		s++;
	}
	end = strchr(s, '\n');
	return end ? pnstrdup(s, end - s) : pstrdup(s);
}

/* A copy of n CrParams in reverse order. */
static CrParam *
reversed_params(const CrParam *params, int n)
{
	CrParam    *r = palloc(sizeof(CrParam) * (n + 1));
	int			i;

	for (i = 0; i < n; i++)
		r[i] = params[n - 1 - i];
	return r;
}

/* Do two CrParam arrays hold the same pointers in the same order? */
static bool
same_params(const CrParam *a, const CrParam *b, int n)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		if (a[i].name != b[i].name || a[i].value != b[i].value)
			return false;
	}
	return true;
}

/*
 * An RPC vector: canonicalized query, string to sign, signature, its URL
 * encoding and the query to send; then the same signature from reversed
 * input and with a stale Signature parameter added.
 */
static void
test_alibaba_rpc_vector(const VendorVector *v)
{
	const char *method = vec_need(v, "alibaba", "method");
	const char *secret = vec_need(v, "alibaba", "access_key_secret");
	const char *want_cq = vec_need(v, "alibaba", "canonicalized_query_string");
	const char *want_sig = vec_need(v, "alibaba", "signature");
	const char *want_enc = vec_need(v, "alibaba", "signature_urlencoded");
	CrParam    *params;
	CrParam    *other;
	char	   *cq;
	char	   *sts;
	char	   *sig;
	char	   *query;
	char	   *want_query;
	char		what[160];
	int			j;

	/* a private copy, to see that the signers leave its order alone */
	params = palloc(sizeof(CrParam) * (v->nparams + 1));
	memcpy(params, v->params, sizeof(CrParam) * v->nparams);

	/* the RPC canonicalized query is the V3 canonical query */
	cq = cr_acs3_canonical_query(params, v->nparams);
	snprintf(what, sizeof(what), "alibaba %s canonicalized query", v->name);
	check_str(what, cq, want_cq);

	sts = cr_alibaba_rpc_string_to_sign(method, params, v->nparams);
	snprintf(what, sizeof(what), "alibaba %s rpc string to sign", v->name);
	check_str(what, sts, vec_need(v, "alibaba", "string_to_sign"));

	sig = cr_alibaba_rpc_signature(method, params, v->nparams, secret);
	snprintf(what, sizeof(what), "alibaba %s rpc signature", v->name);
	check_str(what, sig, want_sig);

	query = cr_alibaba_rpc_query(method, params, v->nparams, secret);
	want_query = psprintf("%s&Signature=%s", want_cq, want_enc);
	snprintf(what, sizeof(what), "alibaba %s rpc query to send", v->name);
	check_str(what, query, want_query);
	snprintf(what, sizeof(what), "alibaba %s rpc signature_urlencoded",
			 v->name);
	check_str(what, after_last(query, "&Signature="), want_enc);

	for (j = 0; j < v->nparams; j++)
	{
		char		field[32];
		const char *frag;

		snprintf(field, sizeof(field), "canonical_fragments.%d", j);
		frag = vec_field(v, field);
		if (frag == NULL)
			break;
		snprintf(what, sizeof(what), "alibaba %s canonical fragment %d",
				 v->name, j);
		check_true(what, strstr(cq, frag) != NULL &&
				   strstr(query, frag) != NULL);
	}

	snprintf(what, sizeof(what), "alibaba %s caller's params unchanged",
			 v->name);
	check_true(what, same_params(params, v->params, v->nparams));

	/* the input order does not matter */
	other = reversed_params(v->params, v->nparams);
	pfree(sig);
	sig = cr_alibaba_rpc_signature(method, other, v->nparams, secret);
	snprintf(what, sizeof(what), "alibaba %s rpc signature, reversed input",
			 v->name);
	check_str(what, sig, want_sig);

	/* a Signature parameter, say from an earlier attempt, is skipped */
	params[v->nparams].name = "Signature";
	params[v->nparams].value = want_sig;
	pfree(sts);
	sts = cr_alibaba_rpc_string_to_sign(method, params, v->nparams + 1);
	snprintf(what, sizeof(what),
			 "alibaba %s rpc string to sign, Signature skipped", v->name);
	check_str(what, sts, vec_field(v, "string_to_sign"));
	pfree(sig);
	sig = cr_alibaba_rpc_signature(method, params, v->nparams + 1, secret);
	snprintf(what, sizeof(what),
			 "alibaba %s rpc signature, Signature skipped", v->name);
	check_str(what, sig, want_sig);
	pfree(query);
	query = cr_alibaba_rpc_query(method, params, v->nparams + 1, secret);
	snprintf(what, sizeof(what), "alibaba %s rpc query, Signature skipped",
			 v->name);
	check_str(what, query, want_query);

	pfree(params);
	pfree(other);
	pfree(cq);
	pfree(sts);
	pfree(sig);
	pfree(query);
	pfree(want_query);
}

/*
 * A V3 vector: canonical query, canonical request, signed headers, hash of
 * the canonical request, string to sign, signature and Authorization;
 * then the same Authorization from reversed input and from header names
 * in upper case with padded values.
 */
static void
test_alibaba_acs3_vector(const VendorVector *v)
{
	const char *method = vec_need(v, "alibaba", "method");
	const char *path = vec_need(v, "alibaba", "canonical_uri");
	const char *payload = vec_need(v, "alibaba", "hashed_payload");
	const char *key_id = vec_need(v, "alibaba", "access_key_id");
	const char *secret = vec_need(v, "alibaba", "access_key_secret");
	const char *want_auth = vec_need(v, "alibaba", "authorization");
	const char *want_creq = vec_need(v, "alibaba", "canonical_request");
	CrParam    *query;
	CrParam    *headers;
	CrParam    *other_q;
	CrParam    *other_h;
	char	   *cq;
	char	   *creq;
	char	   *creq2;
	char	   *signed_headers = NULL;
	char	   *sts;
	char	   *auth;
	char		hash[65];
	char		what[160];
	int			j;

	query = palloc(sizeof(CrParam) * (v->nparams + 1));
	memcpy(query, v->params, sizeof(CrParam) * v->nparams);
	headers = palloc(sizeof(CrParam) * (v->nheaders + 1));
	memcpy(headers, v->headers, sizeof(CrParam) * v->nheaders);

	cq = cr_acs3_canonical_query(query, v->nparams);
	snprintf(what, sizeof(what), "alibaba %s canonical query", v->name);
	check_str(what, cq, vec_need(v, "alibaba", "canonical_query_string"));

	creq = cr_acs3_canonical_request(method, path, query, v->nparams,
									 headers, v->nheaders, payload,
									 &signed_headers);
	snprintf(what, sizeof(what), "alibaba %s canonical request", v->name);
	check_str(what, creq, want_creq);
	snprintf(what, sizeof(what), "alibaba %s signed headers", v->name);
	check_str(what, signed_headers, vec_need(v, "alibaba", "signed_headers"));

	cr_sha256_hex(creq, strlen(creq), hash);
	snprintf(what, sizeof(what), "alibaba %s canonical request hash",
			 v->name);
	check_str(what, hash, vec_need(v, "alibaba", "hashed_canonical_request"));

	sts = cr_acs3_string_to_sign(creq);
	snprintf(what, sizeof(what), "alibaba %s acs3 string to sign", v->name);
	check_str(what, sts, vec_need(v, "alibaba", "string_to_sign"));

	auth = cr_acs3_authorization(method, path, query, v->nparams,
								 headers, v->nheaders, payload,
								 key_id, secret);
	snprintf(what, sizeof(what), "alibaba %s authorization", v->name);
	check_str(what, auth, want_auth);
	snprintf(what, sizeof(what), "alibaba %s signature", v->name);
	check_str(what, after_last(auth, ",Signature="),
			  vec_need(v, "alibaba", "signature"));

	/* signed_headers_out is optional */
	creq2 = cr_acs3_canonical_request(method, path, query, v->nparams,
									  headers, v->nheaders, payload, NULL);
	snprintf(what, sizeof(what),
			 "alibaba %s canonical request, no signed_headers_out", v->name);
	check_str(what, creq2, want_creq);
	pfree(creq2);

	snprintf(what, sizeof(what),
			 "alibaba %s caller's query and headers unchanged", v->name);
	check_true(what, same_params(query, v->params, v->nparams) &&
			   same_params(headers, v->headers, v->nheaders));

	/* the input order does not matter */
	other_q = reversed_params(v->params, v->nparams);
	other_h = reversed_params(v->headers, v->nheaders);
	pfree(auth);
	auth = cr_acs3_authorization(method, path, other_q, v->nparams,
								 other_h, v->nheaders, payload,
								 key_id, secret);
	snprintf(what, sizeof(what), "alibaba %s authorization, reversed input",
			 v->name);
	check_str(what, auth, want_auth);

	/* header names in upper case, values padded: the same signature */
	for (j = 0; j < v->nheaders; j++)
	{
		char	   *name = pstrdup(v->headers[j].name);
		char	   *p;

		for (p = name; *p; p++)
			*p = (char) pg_toupper((unsigned char) *p);
		other_h[j].name = name;
		other_h[j].value = psprintf(" \t%s  ", v->headers[j].value);
	}
	pfree(auth);
	auth = cr_acs3_authorization(method, path, query, v->nparams,
								 other_h, v->nheaders, payload,
								 key_id, secret);
	snprintf(what, sizeof(what),
			 "alibaba %s authorization, upper-case names, padded values",
			 v->name);
	check_str(what, auth, want_auth);

	pfree(query);
	pfree(headers);
	pfree(cq);
	pfree(creq);
	pfree(signed_headers);
	pfree(sts);
	pfree(auth);
}

static void
test_alibaba_vectors(void)
{
	static const char *const expected[] = {
		"A1", "A1-POST", "A1-TimeStamp", "A2", "A3", "A4", "A5", "A6",
		"A7a", "A7b",
	};
	int			i;

	for (i = 0; i < lengthof(alibaba_vectors); i++)
	{
		const VendorVector *v = &alibaba_vectors[i];
		const char *alg = vec_field(v, "algorithm");
		char		what[128];

		if (alg != NULL && strcmp(alg, "RPC-HMAC-SHA1") == 0)
			test_alibaba_rpc_vector(v);
		else if (alg != NULL && strcmp(alg, "ACS3-HMAC-SHA256") == 0)
			test_alibaba_acs3_vector(v);
		else
		{
			snprintf(what, sizeof(what), "alibaba %s: known algorithm",
					 v->name);
			check_true(what, false);
		}
	}

	/* every vector of the vendor notes is there, and no other */
	check_true("alibaba: 10 vectors", lengthof(alibaba_vectors) == 10);
	for (i = 0; i < lengthof(expected) && i < lengthof(alibaba_vectors); i++)
	{
		char		what[64];

		snprintf(what, sizeof(what), "alibaba vector %d name", i);
		check_str(what, alibaba_vectors[i].name, expected[i]);
	}
}

static void
test_alibaba_edges(void)
{
	static const char empty_sha256[] =
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	/* reserved characters, '%', UTF-8 in names and values; empty value */
	static const CrParam mixed[] = {
		{"a b", "x y"},
		{"~t", "~"},
		{"\xc3\xa9", "\xe4\xb8\xad"},
		{"%", "100%"},
		{"B", ":/?#[]@!$&'()*+,;="},
		{"_", ""},
		{"emoji", "\xf0\x9f\x98\x80"},
		{"-._~", "-._~"},
		{"a", "1"},
	};
	static const char mixed_cq[] =
		"%25=100%25&-._~=-._~"
		"&B=%3A%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D"
		"&_=&a=1&a%20b=x%20y&emoji=%F0%9F%98%80&~t=~&%C3%A9=%E4%B8%AD";
	static const CrParam dup[] = {
		{"k", "2"},
		{"j", "0"},
		{"k", "1"},
	};
	static const CrParam with_null[] = {
		{"b", "2"},
		{"a", NULL},
		{NULL, "x"},
		{"c", "3"},
	};
	/* names differing in case, padded values, sorted after lower-casing */
	static const CrParam merge[] = {
		{"X-Acs-Multi", "b"},
		{"Host", " h:8443 "},
		{"x-acs-multi", "\t a "},
		{"content-type", "application/json"},
		{"X-ACS-MULTI", "c  d "},
		{"x-acs-empty", "   "},
	};
	static const CrParam kv[] = {{"k", "v"}};
	static const CrParam action[] = {{"Action", "X"}};
	static const CrParam host[] = {{"host", "h"}};
	static const CrParam a1[] = {{"a", "1"}};
	char		long_secret[201];
	char	   *s;
	char	   *sh;
	int			i;

	for (i = 0; i < 200; i++)
		long_secret[i] = 'a' + i % 26;
	long_secret[200] = '\0';

	/* no parameters at all */
	s = cr_acs3_canonical_query(NULL, 0);
	check_str("acs3 canonical query, no parameters", s, "");
	pfree(s);
	s = cr_alibaba_rpc_string_to_sign("GET", NULL, 0);
	check_str("rpc string to sign, no parameters", s, "GET&%2F&");
	pfree(s);
	s = cr_alibaba_rpc_signature("GET", NULL, 0, "k");
	check_str("rpc signature, no parameters", s,
			  "UXEcs0aUU0/t6iV5mBQhvxn8SHU=");
	pfree(s);
	s = cr_alibaba_rpc_query("GET", NULL, 0, "k");
	check_str("rpc query, no parameters: no leading '&'", s,
			  "Signature=UXEcs0aUU0%2Ft6iV5mBQhvxn8SHU%3D");
	pfree(s);

	/* RFC 3986 over UTF-8, uppercase hex; sorted by the raw name's bytes */
	s = cr_acs3_canonical_query(mixed, lengthof(mixed));
	check_str("acs3 canonical query, reserved and UTF-8", s, mixed_cq);
	pfree(s);
	s = cr_alibaba_rpc_query("POST", mixed, lengthof(mixed), "testsecret");
	check_str("rpc query, reserved and UTF-8", s,
			  "%25=100%25&-._~=-._~"
			  "&B=%3A%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D"
			  "&_=&a=1&a%20b=x%20y&emoji=%F0%9F%98%80&~t=~&%C3%A9=%E4%B8%AD"
			  "&Signature=pWXi4ixg0U1ZEHVOroU%2FweCwn4Q%3D");
	pfree(s);
	s = cr_alibaba_rpc_string_to_sign("POST", mixed, lengthof(mixed));
	check_str("rpc string to sign, reserved and UTF-8 encoded twice", s,
			  "POST&%2F&%2525%3D100%2525%26-._~%3D-._~%26B%3D%253A%252F"
			  "%253F%2523%255B%255D%2540%2521%2524%2526%2527%2528%2529%252A"
			  "%252B%252C%253B%253D%26_%3D%26a%3D1%26a%2520b%3Dx%2520y"
			  "%26emoji%3D%25F0%259F%2598%2580%26~t%3D~%26%25C3%25A9%3D"
			  "%25E4%25B8%25AD");
	pfree(s);

	/* equal names keep the caller's order; NULL names and values skipped */
	s = cr_acs3_canonical_query(dup, lengthof(dup));
	check_str("acs3 canonical query, equal names in caller's order", s,
			  "j=0&k=2&k=1");
	pfree(s);
	s = cr_acs3_canonical_query(with_null, lengthof(with_null));
	check_str("acs3 canonical query, NULL name or value skipped", s,
			  "b=2&c=3");
	pfree(s);

	/* header merging beyond A7b: three spellings, one empty value */
	s = cr_acs3_canonical_request("POST", "/alibaba/", kv, 1,
								  merge, lengthof(merge), empty_sha256, &sh);
	check_str("acs3 canonical request, case merging and trimming", s,
			  "POST\n/alibaba/\nk=v\n"
			  "content-type:application/json\n"
			  "host:h:8443\n"
			  "x-acs-empty:\n"
			  "x-acs-multi:a,b,c  d\n"
			  "\n"
			  "content-type;host;x-acs-empty;x-acs-multi\n"
			  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_str("acs3 signed headers, merged names listed once", sh,
			  "content-type;host;x-acs-empty;x-acs-multi");
	pfree(s);
	pfree(sh);
	s = cr_acs3_authorization("POST", "/alibaba/", kv, 1,
							  merge, lengthof(merge), empty_sha256,
							  "id", "s");
	check_str("acs3 authorization, case merging and trimming", s,
			  "ACS3-HMAC-SHA256 Credential=id,"
			  "SignedHeaders=content-type;host;x-acs-empty;x-acs-multi,"
			  "Signature=52910538f3fdac61d61166fd30fcb0df2432b8f735e5b9de2cdd7242b4b1dfec");
	pfree(s);

	/* no query and no headers: empty lines, all in their place */
	s = cr_acs3_canonical_request("GET", "/", NULL, 0, NULL, 0,
								  empty_sha256, &sh);
	check_str("acs3 canonical request, no query, no headers", s,
			  "GET\n/\n\n\n\n"
			  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_str("acs3 signed headers, no headers", sh, "");
	pfree(s);
	pfree(sh);
	s = cr_acs3_authorization("GET", "/", NULL, 0, NULL, 0, empty_sha256,
							  "id", "s");
	check_str("acs3 authorization, no query, no headers", s,
			  "ACS3-HMAC-SHA256 Credential=id,SignedHeaders=,"
			  "Signature=a95dbbb49e7cd6646d08eb0facd4df9cf02229b92683dbb1d5d5abb53b54d62a");
	pfree(s);

	/* secrets longer than psprintf's first buffer */
	s = cr_alibaba_rpc_query("POST", action, 1, long_secret);
	check_str("rpc query, 200-byte secret", s,
			  "Action=X&Signature=avPaelMlgqncfeUzDhVIHBDaRgo%3D");
	pfree(s);
	s = cr_acs3_authorization("POST", "/", a1, 1, host, 1, empty_sha256,
							  "id", long_secret);
	check_str("acs3 authorization, 200-byte secret", s,
			  "ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host,"
			  "Signature=a00cb40063be8c22005476af83d844a4de4bf9fcc6b989468c3f3e902496906f");
	pfree(s);
}

/*
 * A TC3 vector: hashed payload, canonical request, signed headers, hash of
 * the canonical request, date, credential scope, string to sign,
 * kSigning, signature and Authorization; then the same Authorization from
 * reversed headers, from headers as a client sends them (mixed case,
 * padded), and from a body buffer longer than body_len.
 */
static void
test_tencent_vector(const VendorVector *v)
{
	const char *method = vec_need(v, "tencent", "http_method");
	const char *path = vec_need(v, "tencent", "canonical_uri");
	const char *query = vec_need(v, "tencent", "canonical_query_string");
	const char *service = vec_need(v, "tencent", "service");
	const char *secret_id = vec_need(v, "tencent", "secret_id");
	const char *secret_key = vec_need(v, "tencent", "secret_key");
	const char *body = vec_need(v, "tencent", "body");
	const char *date = vec_need(v, "tencent", "date");
	const char *want_auth = vec_need(v, "tencent", "authorization");
	const char *ts_text = vec_need(v, "tencent", "timestamp");
	int64		ts = strtoll(ts_text, NULL, 10);
	CrParam    *headers;
	CrParam    *other;
	char	   *signed_headers = NULL;
	char	   *creq;
	char	   *sts;
	char	   *auth;
	char	   *line;
	char	   *scope;
	char	   *padded_body;
	uint8		key[32];
	char		hex[65];
	char		what[160];
	int			j;

	headers = palloc(sizeof(CrParam) * (v->nheaders + 1));
	memcpy(headers, v->headers, sizeof(CrParam) * v->nheaders);

	creq = cr_tc3_canonical_request(method, path, query,
									headers, v->nheaders,
									body, strlen(body), &signed_headers);
	snprintf(what, sizeof(what), "tencent %s canonical request", v->name);
	check_str(what, creq, vec_need(v, "tencent", "canonical_request"));
	snprintf(what, sizeof(what), "tencent %s hashed payload", v->name);
	check_str(what, after_last(creq, "\n"),
			  vec_need(v, "tencent", "hashed_payload"));
	snprintf(what, sizeof(what), "tencent %s signed headers", v->name);
	check_str(what, signed_headers, vec_need(v, "tencent", "signed_headers"));

	cr_sha256_hex(creq, strlen(creq), hex);
	snprintf(what, sizeof(what), "tencent %s canonical request hash",
			 v->name);
	check_str(what, hex, vec_need(v, "tencent", "hashed_canonical_request"));

	sts = cr_tc3_string_to_sign(ts, service, creq);
	snprintf(what, sizeof(what), "tencent %s string to sign", v->name);
	check_str(what, sts, vec_need(v, "tencent", "string_to_sign"));

	/* line 1 is the timestamp, line 2 the scope, which starts with date */
	line = nth_line(sts, 1);
	snprintf(what, sizeof(what), "tencent %s string to sign timestamp",
			 v->name);
	check_str(what, line, ts_text);
	pfree(line);
	scope = nth_line(sts, 2);
	snprintf(what, sizeof(what), "tencent %s credential scope", v->name);
	check_str(what, scope, vec_need(v, "tencent", "credential_scope"));
	snprintf(what, sizeof(what), "tencent %s UTC date", v->name);
	check_true(what, scope != NULL && date != NULL &&
			   strncmp(scope, date, strlen(date)) == 0 &&
			   scope[strlen(date)] == '/');
	pfree(scope);

	cr_tc3_signing_key(secret_key, date, service, key);
	cr_hex(key, sizeof(key), hex);
	snprintf(what, sizeof(what), "tencent %s kSigning", v->name);
	check_str(what, hex, vec_need(v, "tencent", "signing_key_hex"));

	auth = cr_tc3_authorization(secret_id, secret_key, service, ts,
								method, path, query, headers, v->nheaders,
								body, strlen(body));
	snprintf(what, sizeof(what), "tencent %s authorization", v->name);
	check_str(what, auth, want_auth);
	snprintf(what, sizeof(what), "tencent %s signature", v->name);
	check_str(what, after_last(auth, ", Signature="),
			  vec_need(v, "tencent", "signature"));

	snprintf(what, sizeof(what), "tencent %s caller's headers unchanged",
			 v->name);
	check_true(what, same_params(headers, v->headers, v->nheaders));

	/* the header order does not matter */
	other = reversed_params(v->headers, v->nheaders);
	pfree(auth);
	auth = cr_tc3_authorization(secret_id, secret_key, service, ts,
								method, path, query, other, v->nheaders,
								body, strlen(body));
	snprintf(what, sizeof(what), "tencent %s authorization, reversed headers",
			 v->name);
	check_str(what, auth, want_auth);

	/* headers as sent: "Content-Type", values in any case, padded */
	for (j = 0; j < v->nheaders; j++)
	{
		char	   *name = pstrdup(v->headers[j].name);
		char	   *value = psprintf("\t %s ", v->headers[j].value);
		char	   *p;

		for (p = name; *p; p++)
			*p = (char) pg_toupper((unsigned char) *p);
		for (p = value; *p; p++)
			*p = (char) pg_toupper((unsigned char) *p);
		other[j].name = name;
		other[j].value = value;
	}
	pfree(auth);
	auth = cr_tc3_authorization(secret_id, secret_key, service, ts,
								method, path, query, other, v->nheaders,
								body, strlen(body));
	snprintf(what, sizeof(what),
			 "tencent %s authorization, upper-case padded headers", v->name);
	check_str(what, auth, want_auth);

	/* only body_len bytes are hashed */
	padded_body = psprintf("%sTRAILING GARBAGE", body);
	pfree(auth);
	auth = cr_tc3_authorization(secret_id, secret_key, service, ts,
								method, path, query, headers, v->nheaders,
								padded_body, strlen(body));
	snprintf(what, sizeof(what),
			 "tencent %s authorization, body_len bytes hashed", v->name);
	check_str(what, auth, want_auth);

	pfree(padded_body);
	pfree(headers);
	pfree(other);
	pfree(creq);
	pfree(signed_headers);
	pfree(sts);
	pfree(auth);
}

static void
test_tencent_vectors(void)
{
	static const char *const expected[] = {"T1", "T1b", "T1c", "T2", "T2b"};
	int			i;

	for (i = 0; i < lengthof(tencent_vectors); i++)
		test_tencent_vector(&tencent_vectors[i]);

	check_true("tencent: 5 vectors", lengthof(tencent_vectors) == 5);
	for (i = 0; i < lengthof(expected) && i < lengthof(tencent_vectors); i++)
	{
		char		what[64];

		snprintf(what, sizeof(what), "tencent vector %d name", i);
		check_str(what, tencent_vectors[i].name, expected[i]);
	}
}

/*
 * The credential scope's date is the UTC date, computed without the
 * process's time zone.  The checks run under TZ=CST-8 (UTC+8, no zoneinfo
 * needed), where the local date differs from the UTC date for eight hours
 * a day; the expected dates are Python's datetime in UTC, shifted by
 * 400-year cycles (146097 days) outside its years 1..9999.
 */
static void
test_tencent_dates(void)
{
	static const struct
	{
		int64		ts;
		const char *date;
	}			dates[] = {
		/* UTC midnight, 2025-12-31 to 2026-01-01 */
		{INT64CONST(1767225599), "2025-12-31"},
		{INT64CONST(1767225600), "2026-01-01"},
		/* Shanghai midnight: still the same UTC day */
		{INT64CONST(1767196799), "2025-12-31"},
		{INT64CONST(1767196800), "2025-12-31"},
		/* the epoch and before it: floor division */
		{INT64CONST(0), "1970-01-01"},
		{INT64CONST(-1), "1969-12-31"},
		{INT64CONST(-86400), "1969-12-31"},
		{INT64CONST(-86401), "1969-12-30"},
		/* leap years: 2000 is one, 1900 and 2100 are not */
		{INT64CONST(951782399), "2000-02-28"},
		{INT64CONST(951782400), "2000-02-29"},
		{INT64CONST(951868800), "2000-03-01"},
		{INT64CONST(-2203891201), "1900-02-28"},
		{INT64CONST(-2203891200), "1900-03-01"},
		{INT64CONST(4107542399), "2100-02-28"},
		{INT64CONST(4107542400), "2100-03-01"},
		/* four-digit years and beyond */
		{INT64CONST(253402300799), "9999-12-31"},
		{INT64CONST(253402300800), "10000-01-01"},
		{INT64CONST(-62135596800), "0001-01-01"},
		{INT64CONST(-62135596801), "0000-12-31"},
		{INT64CONST(-62167219200), "0000-01-01"},
		{INT64CONST(-62167219201), "-0001-12-31"},
		{PG_INT64_MAX, "292277026596-12-04"},
		{PG_INT64_MIN, "-292277022657-01-27"},
	};
	static const char hash_x[] =
		"2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881";
	time_t		probe = (time_t) 1767196800;
	struct tm	local;
	int			i;

	setenv("TZ", "CST-8", 1);
	tzset();
	check_true("TZ=CST-8 puts 2025-12-31T16:00Z on 2026-01-01 locally",
			   localtime_r(&probe, &local) != NULL &&
			   local.tm_year == 126 && local.tm_mon == 0 &&
			   local.tm_mday == 1);

	for (i = 0; i < lengthof(dates); i++)
	{
		char	   *sts = cr_tc3_string_to_sign(dates[i].ts, "ccc", "x");
		char	   *want;
		char		what[96];

		want = psprintf("TC3-HMAC-SHA256\n" INT64_FORMAT
						"\n%s/ccc/tc3_request\n%s",
						dates[i].ts, dates[i].date, hash_x);
		snprintf(what, sizeof(what), "tc3 string to sign at " INT64_FORMAT,
				 dates[i].ts);
		check_str(what, sts, want);
		pfree(sts);
		pfree(want);
	}
}

static void
test_tencent_edges(void)
{
	static const char t2_body[] =
		"{\"StartTimeStamp\":1767196800,\"EndTimeStamp\":1767283199,"
		"\"SdkAppIdList\":[1400000001,1400000002]}";
	static const CrParam t2b_headers[] = {
		{"content-type", "application/json"},
		{"host", "ccc.tencentcloudapi.com"},
	};
	static const CrParam sent[] = {
		{" Host\t", "CCC.Example:8443 "},
		{"Content-Type", " Application/JSON; Charset=UTF-8\t"},
		{"X-TC-Action", "DescribeTelCallInfo"},
	};
	static const CrParam with_null[] = {
		{"host", "h"},
		{"x-tc-token", NULL},
		{NULL, "v"},
	};
	static const CrParam host[] = {{"host", "h"}};
	char		long_secret[201];
	char	   *s;
	char	   *sh;
	uint8		key[32];
	char		hex[65];
	int			i;

	for (i = 0; i < 200; i++)
		long_secret[i] = 'a' + i % 26;
	long_secret[200] = '\0';

	/* T2b's request one second either side of UTC midnight */
	s = cr_tc3_authorization("AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******",
							 "Gu5t9xGARNpq86cd98joQYCN3*******", "ccc",
							 INT64CONST(1767225599), "POST", "/", "",
							 t2b_headers, lengthof(t2b_headers),
							 t2_body, strlen(t2_body));
	check_str("tc3 authorization, 23:59:59 UTC", s,
			  "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******"
			  "/2025-12-31/ccc/tc3_request, SignedHeaders=content-type;host, "
			  "Signature=b4420b9ce9b0b502509c174d1193d653eddf7231959f9365f3a21db0114a4e74");
	pfree(s);
	s = cr_tc3_authorization("AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******",
							 "Gu5t9xGARNpq86cd98joQYCN3*******", "ccc",
							 INT64CONST(1767225600), "POST", "/", "",
							 t2b_headers, lengthof(t2b_headers),
							 t2_body, strlen(t2_body));
	check_str("tc3 authorization, 00:00:00 UTC", s,
			  "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******"
			  "/2026-01-01/ccc/tc3_request, SignedHeaders=content-type;host, "
			  "Signature=a696d005719962b1c90298c9bdb43652733142f51fcddbc851e9e0684ffd567b");
	pfree(s);
	cr_tc3_signing_key("Gu5t9xGARNpq86cd98joQYCN3*******", "2025-12-31",
					   "ccc", key);
	cr_hex(key, sizeof(key), hex);
	check_str("tc3 kSigning, 2025-12-31", hex,
			  "e818ca2d5d1a0c9ebe52dbf5a40bc8f48775d9f4aceb1d54e51592ceeee8d064");

	/* names and values lower-cased and trimmed; inner spaces stay */
	s = cr_tc3_canonical_request("POST", "/tencent/", "", sent,
								 lengthof(sent), "{}", 2, &sh);
	check_str("tc3 canonical request, headers as sent", s,
			  "POST\n/tencent/\n\n"
			  "content-type:application/json; charset=utf-8\n"
			  "host:ccc.example:8443\n"
			  "x-tc-action:describetelcallinfo\n"
			  "\n"
			  "content-type;host;x-tc-action\n"
			  "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
	check_str("tc3 signed headers, headers as sent", sh,
			  "content-type;host;x-tc-action");
	pfree(s);
	pfree(sh);
	s = cr_tc3_authorization("id", "key", "ccc", INT64CONST(1767300000),
							 "POST", "/tencent/", "", sent, lengthof(sent),
							 "{}", 2);
	check_str("tc3 authorization, headers as sent", s,
			  "TC3-HMAC-SHA256 Credential=id/2026-01-01/ccc/tc3_request, "
			  "SignedHeaders=content-type;host;x-tc-action, "
			  "Signature=c63e3f9c107ae85301c474557e58a4e051024716cfe91c18fb18605d03384c65");
	pfree(s);

	/* no headers, no body, NULL query */
	s = cr_tc3_canonical_request("POST", "/", NULL, NULL, 0, NULL, 0, &sh);
	check_str("tc3 canonical request, nothing to sign", s,
			  "POST\n/\n\n\n\n"
			  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_str("tc3 signed headers, none", sh, "");
	pfree(s);
	pfree(sh);
	s = cr_tc3_authorization("id", "key", "ccc", INT64CONST(1767300000),
							 "POST", "/", "", NULL, 0, NULL, 0);
	check_str("tc3 authorization, nothing to sign", s,
			  "TC3-HMAC-SHA256 Credential=id/2026-01-01/ccc/tc3_request, "
			  "SignedHeaders=, "
			  "Signature=5cc8885ffaa85c6b519643f789096bf3bc1e9e89f2e3e316fdfa1d986e370197");
	pfree(s);

	/* NULL names and values are skipped */
	s = cr_tc3_canonical_request("POST", "/", "", with_null,
								 lengthof(with_null), "", 0, &sh);
	check_str("tc3 signed headers, NULL name or value skipped", sh, "host");
	pfree(s);
	pfree(sh);

	/* the body is bytes: an embedded NUL is hashed too */
	s = cr_tc3_authorization("id", "key", "ccc", INT64CONST(1767300000),
							 "POST", "/", "", t2b_headers,
							 lengthof(t2b_headers), "a\0b", 3);
	check_str("tc3 authorization, body with a NUL byte", s,
			  "TC3-HMAC-SHA256 Credential=id/2026-01-01/ccc/tc3_request, "
			  "SignedHeaders=content-type;host, "
			  "Signature=da69c2fe0cd5ada65c875f834bffd1253acbf272108e9a1cfab895329fd2e4ba");
	pfree(s);

	/* a query string goes in as given; a key longer than psprintf's buffer */
	s = cr_tc3_canonical_request("GET", "/", "Limit=10&Offset=0", host, 1,
								 "", 0, NULL);
	check_str("tc3 canonical request, GET with a query", s,
			  "GET\n/\nLimit=10&Offset=0\nhost:h\n\nhost\n"
			  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	pfree(s);
	cr_tc3_signing_key(long_secret, "2026-01-01", "ccc", key);
	cr_hex(key, sizeof(key), hex);
	check_str("tc3 kSigning, 200-byte secret", hex,
			  "781fcfa10451315006b70a2a4eda31ec22c8bece582589fb773ef83a46ba2386");
	s = cr_tc3_authorization("id", long_secret, "ccc", INT64CONST(1767300000),
							 "GET", "/", "Limit=10&Offset=0", host, 1, "", 0);
	check_str("tc3 authorization, 200-byte secret", s,
			  "TC3-HMAC-SHA256 Credential=id/2026-01-01/ccc/tc3_request, "
			  "SignedHeaders=host, "
			  "Signature=0397d6dd831b3adcfdd1936f6ea294832fa5363b559f01e95663919f55598aec");
	pfree(s);
}

int
main(void)
{
	test_digests();
	test_hmac();
	test_hex_base64();
	test_encoding();
	test_explicit_free();
	test_ucloud_vectors();
	test_ucloud_edges();
	test_alibaba_steps();
	test_tencent_steps();
	test_alibaba_vectors();
	test_alibaba_edges();
	test_tencent_vectors();
	test_tencent_dates();
	test_tencent_edges();

	printf("%d passed, %d failed\n", npassed, nfailed);
	return nfailed == 0 ? 0 : 1;
}
