/*-------------------------------------------------------------------------
 *
 * ucloud_sign.c
 *		  UCloud API request signature.
 *
 * UCloud signs with a plain SHA-1, no HMAC: sort the parameters by name in
 * byte order, write each as name + value with no separator and no escaping,
 * append the private key, and take the lowercase hex SHA-1 of the whole.
 * The signature covers no timestamp and no nonce.  See
 * https://docs.ucloud.cn/api/summary/signature.
 *
 * Values are signed raw; the form encoding of the request body happens
 * after signing, elsewhere.
 *
 * IDENTIFICATION
 *		  src/providers/ucloud_sign.c
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "callrecord_fdw.h"
#include "vendor_sign.h"


/*
 * cr_ucloud_string_to_sign
 *		The bytes UCloud hashes: every parameter except "Signature" and those
 *		with a NULL name or value, sorted by name, as name + value, then the
 *		private key.
 *
 * The result is palloc'd and contains the private key: free it with
 * cr_explicit_free().  It is allocated once at its final size, so no
 * partial copy of it is left behind by a buffer enlargement.  The caller's
 * array is not reordered.
 */
char *
cr_ucloud_string_to_sign(const CrParam *params, int nparams,
						 const char *private_key)
{
	const CrParam **sorted;
	int			nsorted;
	size_t		total;
	size_t		keylen;
	char	   *result;
	char	   *p;
	int			i;

	Assert(private_key != NULL);

	sorted = cr_sorted_params(params, nparams, "Signature", &nsorted);
	total = 0;
	for (i = 0; i < nsorted; i++)
		total += strlen(sorted[i]->name) + strlen(sorted[i]->value);
	keylen = strlen(private_key);
	total += keylen;

	result = palloc(total + 1);
	p = result;
	for (i = 0; i < nsorted; i++)
	{
		size_t		len;

		len = strlen(sorted[i]->name);
		memcpy(p, sorted[i]->name, len);
		p += len;
		len = strlen(sorted[i]->value);
		memcpy(p, sorted[i]->value, len);
		p += len;
	}
	memcpy(p, private_key, keylen);
	p += keylen;
	*p = '\0';
	Assert(p == result + total);

	pfree(sorted);

	return result;
}

/*
 * cr_ucloud_signature
 *		The UCloud Signature parameter: 40 lowercase hex digits, palloc'd.
 */
char *
cr_ucloud_signature(const CrParam *params, int nparams,
					const char *private_key)
{
	char	   *to_sign;
	char	   *signature;

	to_sign = cr_ucloud_string_to_sign(params, nparams, private_key);
	signature = palloc(41);
	cr_sha1_hex(to_sign, strlen(to_sign), signature);
	cr_explicit_free(to_sign);

	return signature;
}
