/*-------------------------------------------------------------------------
 *
 * fz_http.c
 *		  The transport's own code, built in the frontend for the fuzz
 *		  targets: the body and header callbacks and the URL functions of
 *		  src/http.c, taken from that file at build time (extract.awk), with
 *		  the input handed to the callbacks as libcurl hands it.
 *
 * IDENTIFICATION
 *		  test/fuzz/fz_http.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <curl/curl.h>

#include "utils/palloc.h"		/* MemoryContextCallback, in struct CrHttp */

#include "callrecord_fdw.h"
#include "fuzz_common.h"
#include "http.h"

/* the extracted code raises only out-of-memory ERRORs */
#define ereport(elevel, ...) \
	fz_fail(__FILE__, __LINE__, "ereport from src/http.c")

#include "gen/http_fe.inc"

/*
 * Deliver the body of in to the transport's write callback in the chunks
 * in chooses, then make the response as finish_slot() does.  Checks that
 * the transport put together exactly the bytes it was given.
 */
void
fz_receive(const FzInput *in, CrHttpResponse *resp)
{
	CrSlot		slot;
	const uint8 *p = in->body;
	size_t		left = in->body_len;
	int			i;

	memset(&slot, 0, sizeof(slot));
	slot.retry_after_s = -1;

	for (i = 0; i < in->nchunks; i++)
	{
		size_t		n = Min((size_t) in->chunk_len[i], left);
		char	   *chunk;

		/* a chunk of its own, so that a read past it is caught */
		chunk = malloc(Max(n, 1));
		memcpy(chunk, p, n);
		FZ_CHECK(write_cb(chunk, 1, n, &slot) == n);
		free(chunk);
		p += n;
		left -= n;
	}
	if (left > 0)
	{
		char	   *chunk = malloc(left);

		memcpy(chunk, p, left);
		FZ_CHECK(write_cb(chunk, 1, left, &slot) == left);
		free(chunk);
	}

	FZ_CHECK(!slot.too_big && !slot.oom);
	FZ_CHECK(slot.len == in->body_len);
	if (slot.len > 0)
	{
		FZ_CHECK(slot.len < slot.cap);
		FZ_CHECK(memcmp(slot.buf, in->body, slot.len) == 0);
		FZ_CHECK(slot.buf[slot.len] == '\0');
	}

	/* finish_slot() */
	memset(resp, 0, sizeof(CrHttpResponse));
	resp->status = 200;
	resp->retry_after_s = -1;
	resp->body = palloc(slot.len + 1);
	if (slot.len)
		memcpy(resp->body, slot.buf, slot.len);
	resp->body[slot.len] = '\0';
	resp->body_len = slot.len;
	free(slot.buf);
}

/*
 * Hand one header line (len bytes, not NUL-terminated, as libcurl passes
 * it) to the header callback of a transfer whose provider reads its
 * request id from request_id_header (or none).  Returns what the callback
 * made of it: the Retry-After in seconds (-1: none) and the request id
 * (palloc'd, or NULL).
 */
void
fz_header_line(const char *request_id_header, const char *line, size_t len,
			   double *retry_after_s, char **request_id)
{
	static CURL *easy = NULL;
	static struct CrHttp h;
	CrSlot		slot;
	char	   *buf;

	if (easy == NULL)
	{
		easy = curl_easy_init();
		if (easy == NULL ||
			curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *) &h) != CURLE_OK)
			fz_fail(__FILE__, __LINE__, "could not make a curl handle");
	}
	memset(&h, 0, sizeof(h));
	h.cfg.request_id_header = request_id_header;

	memset(&slot, 0, sizeof(slot));
	slot.easy = easy;
	slot.retry_after_s = -1;

	buf = malloc(Max(len, 1));
	memcpy(buf, line, len);
	FZ_CHECK(header_cb(buf, 1, len, &slot) == len);
	free(buf);

	*retry_after_s = slot.retry_after_s;
	*request_id = slot.request_id ? pstrdup(slot.request_id) : NULL;
	free(slot.request_id);
}

/*
 * The scheme (lower case), host and port that a transfer of url would
 * connect to: libcurl parses CURLOPT_URL with CURLU_GUESS_SCHEME and
 * CURLU_NON_SUPPORT_SCHEME (parseurlandfillconn() in lib/url.c), not with
 * the flags of cr_url_split().  False when the transfer would not start.
 * The results are palloc'd.
 */
bool
fz_transfer_origin(const char *url, char **scheme, char **host, int *port)
{
	CURLU	   *u = curl_url();
	char	   *s = NULL,
			   *h = NULL,
			   *p = NULL;
	bool		ok = false;

	if (u == NULL)
		fz_fail(__FILE__, __LINE__, "curl_url() failed");
	if (curl_url_set(u, CURLUPART_URL, url,
					 CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK)
	{
		char	   *c;

		*scheme = pstrdup(s);
		for (c = *scheme; *c; c++)
			*c = pg_tolower((unsigned char) *c);
		*host = pstrdup(h);
		*port = atoi(p);
		ok = true;
	}
	curl_free(s);
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
	return ok;
}
