/*-------------------------------------------------------------------------
 *
 * sign.c
 *		  Hashing, HMAC and encoding helpers for request signing.
 *
 * The digests go through PostgreSQL's common/cryptohash.h and common/hmac.h.
 * In the backend, PG15 ties their OpenSSL contexts to the current
 * ResourceOwner, so an error thrown half way through a signature leaks
 * nothing; raw EVP calls would.  A resource owner must therefore be active
 * when these functions run in the backend, which is always the case during
 * planning and execution.
 *
 * This file also builds with -DFRONTEND for the unit tests, against
 * libpgcommon and libpgport.
 *
 * IDENTIFICATION
 *		  src/sign.c
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <string.h>

#include "common/base64.h"
#include "common/cryptohash.h"
#include "common/hmac.h"
#include "lib/stringinfo.h"

#include "callrecord_fdw.h"

#define CR_SHA1_DIGEST_LENGTH	20
#define CR_SHA256_DIGEST_LENGTH	32

static void hash_failed(const char *what, const char *detail)
			pg_attribute_noreturn();
static void digest_hex(pg_cryptohash_type type, size_t digest_len,
					   const char *what, const char *data, size_t len,
					   char *out);
static bool hmac_raw(pg_cryptohash_type type, size_t digest_len,
					 const uint8 *key, size_t keylen,
					 const char *data, size_t len, uint8 *out);

static const char hex_lower[] = "0123456789abcdef";
static const char hex_upper[] = "0123456789ABCDEF";

/*
 * Report a failure of the hash library.  With OpenSSL this happens only when
 * memory runs out, so it is a cannot-happen state rather than a user error.
 * The frontend build (unit tests, fuzzing) has no elog; it stops instead.
 */
static void
hash_failed(const char *what, const char *detail)
{
#ifdef FRONTEND
	fprintf(stderr, "could not compute %s: %s\n", what,
			detail ? detail : "unknown error");
	exit(1);
#else
	elog(ERROR, "could not compute %s: %s", what,
		 detail ? detail : "unknown error");
#endif
}

/* Hash data into out (digest_len bytes). */
static void
digest_raw(pg_cryptohash_type type, size_t digest_len, const char *what,
		   const char *data, size_t len, uint8 *out)
{
	pg_cryptohash_ctx *ctx;

	ctx = pg_cryptohash_create(type);
	if (ctx == NULL)
		hash_failed(what, "out of memory");
	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(ctx, out, digest_len) < 0)
	{
		/* copy the message: freeing the context would free it too */
		char		detail[256];

		strlcpy(detail, pg_cryptohash_error(ctx), sizeof(detail));
		pg_cryptohash_free(ctx);
		hash_failed(what, detail);
	}
	pg_cryptohash_free(ctx);
}

/*
 * Hash data and write the digest as lowercase hex plus a NUL into out,
 * which must hold 2 * digest_len + 1 bytes.
 */
static void
digest_hex(pg_cryptohash_type type, size_t digest_len, const char *what,
		   const char *data, size_t len, char *out)
{
	uint8		digest[CR_SHA256_DIGEST_LENGTH];

	Assert(digest_len <= sizeof(digest));
	digest_raw(type, digest_len, what, data, len, digest);
	cr_hex(digest, digest_len, out);
	explicit_bzero(digest, sizeof(digest));
}

/*
 * cr_sha256
 *		Raw SHA-256 of data into out32.
 */
void
cr_sha256(const char *data, size_t len, uint8 *out32)
{
	digest_raw(PG_SHA256, CR_SHA256_DIGEST_LENGTH, "SHA-256 hash", data, len, out32);
}

/*
 * cr_sha1_hex
 *		Lowercase hex SHA-1 of data, NUL-terminated, into out41.
 */
void
cr_sha1_hex(const char *data, size_t len, char *out41)
{
	digest_hex(PG_SHA1, CR_SHA1_DIGEST_LENGTH, "SHA-1 hash",
			   data, len, out41);
}

/*
 * cr_sha256_hex
 *		Lowercase hex SHA-256 of data, NUL-terminated, into out65.
 */
void
cr_sha256_hex(const char *data, size_t len, char *out65)
{
	digest_hex(PG_SHA256, CR_SHA256_DIGEST_LENGTH, "SHA-256 hash",
			   data, len, out65);
}

/*
 * Raw HMAC of data under key into out (digest_len bytes).  Returns false on
 * failure, leaving out zeroed; the caller reports the error.
 */
static bool
hmac_raw(pg_cryptohash_type type, size_t digest_len,
		 const uint8 *key, size_t keylen,
		 const char *data, size_t len, uint8 *out)
{
	pg_hmac_ctx *ctx;
	bool		ok;

	ctx = pg_hmac_create(type);
	if (ctx == NULL)
	{
		memset(out, 0, digest_len);
		return false;
	}

	ok = pg_hmac_init(ctx, key, keylen) >= 0 &&
		pg_hmac_update(ctx, (const uint8 *) data, len) >= 0 &&
		pg_hmac_final(ctx, out, digest_len) >= 0;
	pg_hmac_free(ctx);

	if (!ok)
		memset(out, 0, digest_len);
	return ok;
}

/*
 * cr_hmac_sha256
 *		Raw HMAC-SHA256 of data under key into out32.  Returns false on
 *		failure; it never raises an error itself.
 */
bool
cr_hmac_sha256(const uint8 *key, size_t keylen,
			   const char *data, size_t len, uint8 *out32)
{
	return hmac_raw(PG_SHA256, CR_SHA256_DIGEST_LENGTH,
					key, keylen, data, len, out32);
}

/*
 * cr_hmac_sha1
 *		Raw HMAC-SHA1 of data under key into out20.  Returns false on
 *		failure; it never raises an error itself.
 */
bool
cr_hmac_sha1(const uint8 *key, size_t keylen,
			 const char *data, size_t len, uint8 *out20)
{
	return hmac_raw(PG_SHA1, CR_SHA1_DIGEST_LENGTH,
					key, keylen, data, len, out20);
}

/*
 * cr_hex
 *		Lowercase hex of len bytes plus a NUL; out holds 2 * len + 1 bytes.
 */
void
cr_hex(const uint8 *in, size_t len, char *out)
{
	size_t		i;

	for (i = 0; i < len; i++)
	{
		out[2 * i] = hex_lower[in[i] >> 4];
		out[2 * i + 1] = hex_lower[in[i] & 0x0F];
	}
	out[2 * len] = '\0';
}

/*
 * cr_base64
 *		Standard base64 (RFC 4648, with padding) of len bytes, palloc'd and
 *		NUL-terminated.
 */
char *
cr_base64(const uint8 *in, size_t len)
{
	char	   *out;
	int			enc_len;
	int			n;

	/* pg_b64_enc_len() works in int; signatures are a few dozen bytes */
	if (len > (size_t) (PG_INT32_MAX / 4) * 3)
		hash_failed("base64 encoding", "input too long");

	enc_len = pg_b64_enc_len((int) len);
	out = palloc(enc_len + 1);
	n = pg_b64_encode((const char *) in, (int) len, out, enc_len);
	if (n < 0)
		hash_failed("base64 encoding", "output buffer too small");
	out[n] = '\0';

	return out;
}

/*
 * Is c an RFC 3986 unreserved character (ALPHA DIGIT - . _ ~)?
 * Spelled out rather than isalnum(): the locale must not matter.
 */
static inline bool
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ||
		(c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') ||
		c == '-' || c == '.' || c == '_' || c == '~';
}

/*
 * cr_append_rfc3986
 *		Append s percent-encoded per RFC 3986: unreserved characters stay,
 *		every other byte (UTF-8 included, byte by byte) becomes %XX with
 *		uppercase hex.  A space is %20, never '+'.
 */
void
cr_append_rfc3986(StringInfo buf, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *) s; *p; p++)
	{
		if (is_unreserved(*p))
			appendStringInfoChar(buf, (char) *p);
		else
		{
			char		enc[3];

			enc[0] = '%';
			enc[1] = hex_upper[*p >> 4];
			enc[2] = hex_upper[*p & 0x0F];
			appendBinaryStringInfo(buf, enc, 3);
		}
	}
}

/*
 * cr_append_form
 *		Append s encoded as an application/x-www-form-urlencoded value, the
 *		way Python's urllib.parse.quote_plus() does: unreserved characters
 *		stay, a space becomes '+', every other byte becomes %XX (uppercase).
 */
void
cr_append_form(StringInfo buf, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *) s; *p; p++)
	{
		if (is_unreserved(*p))
			appendStringInfoChar(buf, (char) *p);
		else if (*p == ' ')
			appendStringInfoChar(buf, '+');
		else
		{
			char		enc[3];

			enc[0] = '%';
			enc[1] = hex_upper[*p >> 4];
			enc[2] = hex_upper[*p & 0x0F];
			appendBinaryStringInfo(buf, enc, 3);
		}
	}
}

/*
 * cr_explicit_free
 *		Wipe a palloc'd secret string and free it.  NULL is allowed.
 */
void
cr_explicit_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	pfree(s);
}

/*
 * qsort comparator over pointers to CrParam: name in byte order (strcmp
 * compares as unsigned char).  Equal names keep the caller's order, so the
 * result does not depend on the qsort implementation.
 */
static int
param_name_cmp(const void *a, const void *b)
{
	const CrParam *pa = *(const CrParam *const *) a;
	const CrParam *pb = *(const CrParam *const *) b;
	int			cmp;

	cmp = strcmp(pa->name, pb->name);
	if (cmp != 0)
		return cmp;
	if (pa < pb)
		return -1;
	if (pa > pb)
		return 1;
	return 0;
}

/*
 * cr_sorted_params
 *		Pointers to the parameters sorted by name (byte order, stable),
 *		leaving out those with a NULL name or value and any named skip_name
 *		(if not NULL).  The caller's array is not reordered.  Palloc'd;
 *		*nsorted gets the count.
 */
const CrParam **
cr_sorted_params(const CrParam *params, int nparams, const char *skip_name,
				 int *nsorted)
{
	const CrParam **sorted;
	int			n = 0;
	int			i;

	Assert(nparams >= 0);
	sorted = (const CrParam **) palloc(sizeof(CrParam *) * (nparams + 1));
	for (i = 0; i < nparams; i++)
	{
		const CrParam *param = &params[i];

		if (param->name == NULL || param->value == NULL)
			continue;
		if (skip_name != NULL && strcmp(param->name, skip_name) == 0)
			continue;
		sorted[n++] = param;
	}
	if (n > 1)
		qsort(sorted, n, sizeof(CrParam *), param_name_cmp);
	*nsorted = n;
	return sorted;
}

/*
 * cr_ascii_copy
 *		A palloc'd copy of s, optionally without leading and trailing ASCII
 *		white space (space, \t, \n, \v, \f, \r: the set the vendors' SDKs'
 *		trim() removes from ASCII text) and optionally lower-cased.  ASCII
 *		only and spelled out rather than isspace()/tolower(): the locale must
 *		not change what is signed.
 */
char *
cr_ascii_copy(const char *s, bool lower, bool trim)
{
	size_t		len;
	size_t		i;
	char	   *result;

	if (trim)
		while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
			s++;
	len = strlen(s);
	if (trim)
		while (len > 0 &&
			   (s[len - 1] == ' ' || (s[len - 1] >= '\t' && s[len - 1] <= '\r')))
			len--;
	result = pnstrdup(s, len);
	if (lower)
		for (i = 0; i < len; i++)
			result[i] = (char) pg_ascii_tolower((unsigned char) result[i]);
	return result;
}
