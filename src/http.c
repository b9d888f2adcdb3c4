/*-------------------------------------------------------------------------
 *
 * http.c
 *		  HTTP transport on libcurl's multi interface.  The only file that
 *		  includes curl.h.
 *
 * A CrHttp owns one multi handle and a fixed number of slots (easy handles),
 * one per request in flight.  Everything libcurl allocates is released by a
 * reset callback on the owning memory context, so an ERROR anywhere in the
 * scan leaks neither handles nor sockets; cr_http_close() runs the same code
 * early and is idempotent.
 *
 * libcurl callbacks never ereport (a longjmp would leave curl mid-call):
 * they record the problem and return curl's abort value, and the error is
 * raised after curl returns.  Waiting goes through curl_multi_poll capped at
 * CR_HTTP_POLL_MS, followed by CHECK_FOR_INTERRUPTS, so a query cancel or
 * statement_timeout stops a scan within that time even while a server hangs.
 * A transfer's progress callback also aborts it as soon as an interrupt is
 * pending.
 *
 * IDENTIFICATION
 *		  src/http.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <curl/curl.h>

#include "miscadmin.h"
#include "pgstat.h"
#include "storage/fd.h"
#include "storage/latch.h"
#include "utils/memutils.h"
#include "utils/wait_event.h"

#include "callrecord_fdw.h"
#include "http.h"

#define CR_HTTP_POLL_MS 50

typedef struct CrSlot
{
	CURL	   *easy;
	bool		in_use;
	int			tag;
	struct curl_slist *headers;
	char	   *buf;			/* response body (malloc'd) */
	size_t		len;
	size_t		cap;
	bool		too_big;
	bool		oom;
	char	   *request_id;		/* malloc'd */
	double		retry_after_s;
	bool		sent;			/* the request has left (prereq callback) */
	bool		sent_reported;	/* ... and cr_http_next_sent said so */
	int64		sent_us;
	char		errbuf[CURL_ERROR_SIZE];
} CrSlot;

struct CrHttp
{
	CURLM	   *multi;
	CrSlot	   *slots;
	int			nslots;
	int			inflight;
	int			fds_reserved;
	bool		closed;
	CrHttpConfig cfg;
	int64		bytes_received;
	MemoryContextCallback cb;
};

static bool curl_ready = false;

/*
 * TLS sessions and resolved names, shared by every request of this backend:
 * a scan after the first resumes the TLS session instead of a full
 * handshake.  libcurl resumes a session only for the same host, port and
 * TLS settings (CA file and verification included), and caches one only
 * after the peer was verified.  Connections themselves are not shared:
 * they close with their scan, so no socket outlives it.  The backend is
 * single-threaded, so the share needs no lock callbacks.
 */
static CURLSH *tls_share = NULL;

/* Called from _PG_init. */
void
cr_http_global_init(void)
{
	if (!curl_ready)
	{
		if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
					 errmsg("could not initialize libcurl")));
		curl_ready = true;
	}
}

/* The backend's share handle, made on first use; NULL if libcurl has none. */
static CURLSH *
get_tls_share(void)
{
	if (tls_share == NULL)
	{
		CURLSH	   *sh = curl_share_init();

		if (sh == NULL)
			return NULL;
		if (curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK ||
			curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK)
		{
			curl_share_cleanup(sh);
			return NULL;
		}
		tls_share = sh;
	}
	return tls_share;
}

static void
slot_reset_response(CrSlot *slot)
{
	if (slot->buf)
		free(slot->buf);
	slot->buf = NULL;
	slot->len = slot->cap = 0;
	slot->too_big = false;
	slot->oom = false;
	if (slot->request_id)
		free(slot->request_id);
	slot->request_id = NULL;
	slot->retry_after_s = -1;
	slot->sent = false;
	slot->sent_reported = false;
	slot->sent_us = 0;
	slot->errbuf[0] = '\0';
}

/*
 * Release everything libcurl holds.  Runs from the memory context reset
 * callback during abort: no ereport, no palloc, no catalog access.
 */
static void
http_release(void *arg)
{
	CrHttp	   *h = (CrHttp *) arg;
	int			i;

	if (h->closed)
		return;
	h->closed = true;
	for (i = 0; i < h->nslots; i++)
	{
		CrSlot	   *slot = &h->slots[i];

		if (slot->in_use && !slot->sent_reported && h->cfg.on_release)
			h->cfg.on_release(h->cfg.on_release_arg,
							  slot->sent ? slot->sent_us : 0);
		if (slot->easy)
		{
			if (slot->in_use && h->multi)
				curl_multi_remove_handle(h->multi, slot->easy);
			curl_easy_cleanup(slot->easy);
			slot->easy = NULL;
		}
		if (slot->headers)
			curl_slist_free_all(slot->headers);
		slot->headers = NULL;
		slot->in_use = false;
		slot_reset_response(slot);
	}
	if (h->multi)
		curl_multi_cleanup(h->multi);
	h->multi = NULL;
	while (h->fds_reserved > 0)
	{
		ReleaseExternalFD();
		h->fds_reserved--;
	}
	h->inflight = 0;
}

CrHttp *
cr_http_create(MemoryContext cxt, const CrHttpConfig *cfg)
{
	CrHttp	   *h = MemoryContextAllocZero(cxt, sizeof(CrHttp));
	int			i;

	h->cfg = *cfg;
	h->cfg.ca_file = cfg->ca_file ? MemoryContextStrdup(cxt, cfg->ca_file) : NULL;
	h->cfg.request_id_header = cfg->request_id_header ?
		MemoryContextStrdup(cxt, cfg->request_id_header) : NULL;
	h->nslots = cfg->slots;
	h->slots = MemoryContextAllocZero(cxt, sizeof(CrSlot) * h->nslots);
	for (i = 0; i < h->nslots; i++)
		h->slots[i].retry_after_s = -1;

	/* from here on the callback cleans up whatever is set up */
	h->cb.func = http_release;
	h->cb.arg = h;
	MemoryContextRegisterResetCallback(cxt, &h->cb);

	/* one socket per concurrent request, counted like libpq connections */
	for (i = 0; i < h->nslots; i++)
	{
		if (!AcquireExternalFD())
			ereport(ERROR,
					(errcode(ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
					 errmsg("could not open a connection for the vendor API: too many open files"),
					 errhint("Lower the server option \"concurrency\" or raise max_files_per_process.")));
		h->fds_reserved++;
	}

	h->multi = curl_multi_init();
	if (h->multi == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not create a libcurl multi handle")));
	/* the slots already cap concurrency; keep connections to reuse them */
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long) h->nslots);
	return h;
}

void
cr_http_close(CrHttp *h)
{
	if (h)
		http_release(h);
}

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	CrSlot	   *slot = (CrSlot *) userdata;
	size_t		n = size * nmemb;

	if (slot->len + n > CR_MAX_BODY_BYTES)
	{
		slot->too_big = true;
		return 0;				/* abort the transfer */
	}
	if (slot->len + n + 1 > slot->cap)
	{
		size_t		newcap = Max(slot->cap * 2, slot->len + n + 1);
		char	   *nb;

		newcap = Max(newcap, 16384);
		nb = realloc(slot->buf, newcap);
		if (nb == NULL)
		{
			slot->oom = true;
			return 0;
		}
		slot->buf = nb;
		slot->cap = newcap;
	}
	memcpy(slot->buf + slot->len, ptr, n);
	slot->len += n;
	slot->buf[slot->len] = '\0';
	return n;
}

/* Case-insensitive "Name:" prefix match; returns the trimmed value or NULL. */
static char *
header_value(char *line, size_t len, const char *name, size_t *vlen)
{
	size_t		nlen = strlen(name);
	char	   *v;
	char	   *end;

	if (len <= nlen || line[nlen] != ':' || pg_strncasecmp(line, name, nlen) != 0)
		return NULL;
	v = line + nlen + 1;
	end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*vlen = end - v;
	return v;
}

/*
 * Copy a header value (vlen < 64) into tmp64 as a C string and read it as
 * a number; false when it is not one (tmp64 still holds the text).
 */
static bool
header_number(const char *v, size_t vlen, char *tmp64, double *out)
{
	char	   *end;

	memcpy(tmp64, v, vlen);
	tmp64[vlen] = '\0';
	*out = strtod(tmp64, &end);
	return end != tmp64 && *end == '\0';
}

static size_t
header_cb(char *buffer, size_t size, size_t nitems, void *userdata)
{
	CrHttp	   *h;
	CrSlot	   *slot = (CrSlot *) userdata;
	size_t		n = size * nitems;
	char	   *v;
	size_t		vlen;

	/* a new status line (after 100 Continue, say) starts a new header set */
	if (n >= 5 && strncmp(buffer, "HTTP/", 5) == 0)
	{
		if (slot->request_id)
			free(slot->request_id);
		slot->request_id = NULL;
		slot->retry_after_s = -1;
		return n;
	}
	if (n > 8192)
		return n;				/* no header we read is that long */

	curl_easy_getinfo(slot->easy, CURLINFO_PRIVATE, (char **) &h);
	if (h && h->cfg.request_id_header &&
		(v = header_value(buffer, n, h->cfg.request_id_header, &vlen)) != NULL &&
		vlen > 0 && vlen < 256)
	{
		if (slot->request_id)
			free(slot->request_id);
		slot->request_id = strndup(v, vlen);
	}
	else if ((v = header_value(buffer, n, "x-acs-retry-after", &vlen)) != NULL &&
			 vlen > 0 && vlen < 64)
	{
		/* Alibaba's gateway: milliseconds, as its SDKs read it */
		char		tmp[64];
		double		ms;

		if (header_number(v, vlen, tmp, &ms) && ms >= 0 && ms < 1e10 &&
			ms / 1000.0 > slot->retry_after_s)
			slot->retry_after_s = ms / 1000.0;
	}
	else if ((v = header_value(buffer, n, "Retry-After", &vlen)) != NULL &&
			 vlen > 0 && vlen < 64)
	{
		char		tmp[64];
		double		secs;

		if (header_number(v, vlen, tmp, &secs) && secs >= 0 && secs < 1e7)
			slot->retry_after_s = secs;
		else
		{
			/* an HTTP-date */
			time_t		when = curl_getdate(tmp, NULL);

			if (when != (time_t) -1)
			{
				double		d = difftime(when, time(NULL));

				slot->retry_after_s = d > 0 ? d : 0;
			}
		}
	}
	return n;
}

static int
progress_cb(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
			curl_off_t ultotal, curl_off_t ulnow)
{
	/* abort at once when PostgreSQL wants to cancel or terminate */
	return (QueryCancelPending || ProcDiePending) ? 1 : 0;
}

/*
 * The connection is up (TCP and TLS done) and the request is about to be
 * written: the moment the vendor will count it.
 */
static int
prereq_cb(void *clientp, char *conn_primary_ip, char *conn_local_ip,
		  int conn_primary_port, int conn_local_port)
{
	CrSlot	   *slot = (CrSlot *) clientp;

	if (!slot->sent)
	{
		slot->sent = true;
		slot->sent_us = cr_now_us();
	}
	return CURL_PREREQFUNC_OK;
}

#define SETOPT(easy, opt, val) \
	do { \
		if (curl_easy_setopt((easy), (opt), (val)) != CURLE_OK) \
			ereport(ERROR, \
					(errcode(ERRCODE_FDW_ERROR), \
					 errmsg("could not set libcurl option %s", #opt))); \
	} while (0)

/*
 * Start a request in a free slot.  tag is the caller's id for it.
 */
void
cr_http_start(CrHttp *h, int tag, const CrHttpRequest *req)
{
	CrSlot	   *slot = NULL;
	ListCell   *lc;
	int			i;

	if (h->closed)
		elog(ERROR, "callrecord_fdw HTTP handle used after close");
	for (i = 0; i < h->nslots; i++)
		if (!h->slots[i].in_use)
		{
			slot = &h->slots[i];
			break;
		}
	if (slot == NULL)
		elog(ERROR, "callrecord_fdw started more requests than it has slots");

	slot_reset_response(slot);
	if (slot->headers)
		curl_slist_free_all(slot->headers);
	slot->headers = NULL;

	if (slot->easy == NULL)
	{
		slot->easy = curl_easy_init();
		if (slot->easy == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not create a libcurl handle")));
	}
	else
		curl_easy_reset(slot->easy);	/* nothing carries over */

	SETOPT(slot->easy, CURLOPT_URL, req->url);
	SETOPT(slot->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(slot->easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SETOPT(slot->easy, CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(slot->easy, CURLOPT_NOSIGNAL, 1L);
	SETOPT(slot->easy, CURLOPT_TIMEOUT_MS, (long) h->cfg.timeout_ms);
	SETOPT(slot->easy, CURLOPT_CONNECTTIMEOUT_MS, (long) h->cfg.connect_timeout_ms);
	SETOPT(slot->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(slot->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->cfg.ca_file)
		SETOPT(slot->easy, CURLOPT_CAINFO, h->cfg.ca_file);
	SETOPT(slot->easy, CURLOPT_ACCEPT_ENCODING, "");
	SETOPT(slot->easy, CURLOPT_USERAGENT, "callrecord_fdw/" CALLRECORD_FDW_VERSION);
	SETOPT(slot->easy, CURLOPT_WRITEFUNCTION, write_cb);
	SETOPT(slot->easy, CURLOPT_WRITEDATA, slot);
	SETOPT(slot->easy, CURLOPT_HEADERFUNCTION, header_cb);
	SETOPT(slot->easy, CURLOPT_HEADERDATA, slot);
	SETOPT(slot->easy, CURLOPT_NOPROGRESS, 0L);
	SETOPT(slot->easy, CURLOPT_XFERINFOFUNCTION, progress_cb);
	SETOPT(slot->easy, CURLOPT_ERRORBUFFER, slot->errbuf);
	SETOPT(slot->easy, CURLOPT_PRIVATE, (char *) h);
	SETOPT(slot->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(slot->easy, CURLOPT_PREREQFUNCTION, prereq_cb);
	SETOPT(slot->easy, CURLOPT_PREREQDATA, slot);
	if (get_tls_share() != NULL)
		SETOPT(slot->easy, CURLOPT_SHARE, tls_share);

	/* no "Expect: 100-continue" round trip */
	slot->headers = curl_slist_append(slot->headers, "Expect:");
	foreach(lc, req->headers)
	{
		struct curl_slist *nh = curl_slist_append(slot->headers, (char *) lfirst(lc));

		if (nh == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory building an HTTP request")));
		slot->headers = nh;
	}
	SETOPT(slot->easy, CURLOPT_HTTPHEADER, slot->headers);

	if (strcmp(req->method, "POST") == 0)
	{
		SETOPT(slot->easy, CURLOPT_POST, 1L);
		SETOPT(slot->easy, CURLOPT_POSTFIELDSIZE, (long) req->body_len);
		SETOPT(slot->easy, CURLOPT_COPYPOSTFIELDS, req->body ? req->body : "");
	}
	else
		SETOPT(slot->easy, CURLOPT_HTTPGET, 1L);

	if (curl_multi_add_handle(h->multi, slot->easy) != CURLM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("could not start an HTTP request")));
	slot->in_use = true;
	slot->tag = tag;
	h->inflight++;
}

int
cr_http_inflight(CrHttp *h)
{
	return h->inflight;
}

/*
 * A request in flight that has left since the last call: true with its
 * departure time, false when there is none.  Each is reported once (also
 * through CrHttpResponse.sent_reported when it finishes).
 */
bool
cr_http_next_sent(CrHttp *h, int64 *sent_us)
{
	int			i;

	for (i = 0; i < h->nslots; i++)
	{
		CrSlot	   *slot = &h->slots[i];

		if (slot->in_use && slot->sent && !slot->sent_reported)
		{
			slot->sent_reported = true;
			*sent_us = slot->sent_us;
			return true;
		}
	}
	return false;
}

/*
 * Move the transfers in flight along without waiting: a request just
 * started goes out now, not when the scan next waits, and one on a new
 * connection gets through its TCP and TLS set-up while the scan turns rows
 * out (the account's rate ceiling takes no other booking until it has
 * left).  Finished transfers stay queued for cr_http_wait.
 */
void
cr_http_progress(CrHttp *h)
{
	int			running;

	if (h->closed || h->inflight == 0)
		return;
	if (curl_multi_perform(h->multi, &running) != CURLM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("libcurl failed while transferring")));
	/* an interrupt may have aborted a transfer: report it as such */
	CHECK_FOR_INTERRUPTS();
}

int64
cr_http_bytes_received(CrHttp *h)
{
	return h->bytes_received;
}

/* Turn a finished transfer into a palloc'd response and free the slot. */
static void
finish_slot(CrHttp *h, CrSlot *slot, CURLcode result, CrHttpResponse *resp)
{
	long		code = 0;

	memset(resp, 0, sizeof(CrHttpResponse));
	curl_easy_getinfo(slot->easy, CURLINFO_RESPONSE_CODE, &code);
	resp->status = code;
	resp->retry_after_s = slot->retry_after_s;
	resp->sent = slot->sent;
	resp->sent_us = slot->sent_us;
	resp->sent_reported = slot->sent_reported;
	resp->request_id = slot->request_id ? pstrdup(slot->request_id) : NULL;
	h->bytes_received += slot->len;

	if (result != CURLE_OK)
	{
		resp->transport_failed = true;
		resp->timed_out = (result == CURLE_OPERATION_TIMEDOUT);
		/* network trouble is worth retrying; TLS and size problems are not */
		switch (result)
		{
			case CURLE_COULDNT_RESOLVE_HOST:
			case CURLE_COULDNT_CONNECT:
			case CURLE_OPERATION_TIMEDOUT:
			case CURLE_SEND_ERROR:
			case CURLE_RECV_ERROR:
			case CURLE_GOT_NOTHING:
			case CURLE_PARTIAL_FILE:
			case CURLE_HTTP2:
			case CURLE_HTTP2_STREAM:
				resp->retryable = !slot->too_big && !slot->oom;
				break;
			default:
				resp->retryable = false;
				break;
		}
		if (slot->too_big)
			resp->error = psprintf("response body larger than %d MB",
								   CR_MAX_BODY_BYTES / (1024 * 1024));
		else if (slot->oom)
			resp->error = pstrdup("out of memory receiving the response");
		else if (slot->errbuf[0])
			resp->error = psprintf("%s: %s", curl_easy_strerror(result), slot->errbuf);
		else
			resp->error = pstrdup(curl_easy_strerror(result));
	}
	else
	{
		resp->body = palloc(slot->len + 1);
		if (slot->len)
			memcpy(resp->body, slot->buf, slot->len);
		resp->body[slot->len] = '\0';
		resp->body_len = slot->len;
	}

	curl_multi_remove_handle(h->multi, slot->easy);
	slot->in_use = false;
	h->inflight--;
	slot_reset_response(slot);
	if (slot->headers)
		curl_slist_free_all(slot->headers);
	slot->headers = NULL;
}

/*
 * Wait until a request completes (true: *tag and *resp are set, resp
 * palloc'd in CurrentMemoryContext) or until wake_at_us (unix us; 0 = no
 * wake-up time) has passed (false).  With nothing in flight this is a
 * latch-aware sleep until wake_at_us.
 */
bool
cr_http_wait(CrHttp *h, int64 wake_at_us, int *tag, CrHttpResponse *resp)
{
	for (;;)
	{
		int			running = 0;
		CURLMsg    *msg;
		int			msgs_left;
		long		timeout_ms;
		int64		now_us;

		CHECK_FOR_INTERRUPTS();

		if (h->inflight > 0)
		{
			if (curl_multi_perform(h->multi, &running) != CURLM_OK)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_ERROR),
						 errmsg("libcurl failed while transferring")));
			/* an interrupt may have aborted a transfer: report it as such */
			CHECK_FOR_INTERRUPTS();
			while ((msg = curl_multi_info_read(h->multi, &msgs_left)) != NULL)
			{
				int			i;

				if (msg->msg != CURLMSG_DONE)
					continue;
				for (i = 0; i < h->nslots; i++)
				{
					CrSlot	   *slot = &h->slots[i];

					if (slot->in_use && slot->easy == msg->easy_handle)
					{
						*tag = slot->tag;
						finish_slot(h, slot, msg->data.result, resp);
						return true;
					}
				}
			}
		}

		now_us = cr_now_us();
		if (wake_at_us > 0 && now_us >= wake_at_us)
			return false;

		timeout_ms = CR_HTTP_POLL_MS;
		if (wake_at_us > 0)
			timeout_ms = Min(timeout_ms, (wake_at_us - now_us + 999) / 1000);

		if (h->inflight > 0)
		{
			long		curl_timeout = -1;

			curl_multi_timeout(h->multi, &curl_timeout);
			if (curl_timeout >= 0)
				timeout_ms = Min(timeout_ms, curl_timeout);
			if (timeout_ms > 0 &&
				curl_multi_poll(h->multi, NULL, 0, (int) timeout_ms, NULL) != CURLM_OK)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_ERROR),
						 errmsg("libcurl failed while waiting")));
		}
		else if (wake_at_us > 0)
		{
			int			rc;

			rc = WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						   Max(timeout_ms, 1), PG_WAIT_EXTENSION);
			if (rc & WL_LATCH_SET)
				ResetLatch(MyLatch);
		}
		else
			elog(ERROR, "callrecord_fdw waited with nothing in flight and no wake-up time");
	}
}

/*
 * One request, start to finish, for what must happen before a scan's own
 * requests (an OAuth token).  Interruptible like a scan; the response is
 * allocated in the caller's memory context, the handles are gone on return
 * or ERROR.
 */
void
cr_http_fetch(const CrHttpConfig *cfg, const CrHttpRequest *req,
			  CrHttpResponse *resp)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "callrecord_fdw fetch",
											  ALLOCSET_SMALL_SIZES);
	CrHttpConfig one = *cfg;
	CrHttp	   *h;
	int			tag;

	one.slots = 1;
	h = cr_http_create(cxt, &one);
	cr_http_start(h, 0, req);
	while (!cr_http_wait(h, 0, &tag, resp))
		;
	/* deleting the context closes the handle (reset callback) */
	MemoryContextDelete(cxt);
}

/* Split an http or https URL; false when libcurl cannot parse it. */
bool
cr_url_split(const char *url, CrUrl *out)
{
	CURLU	   *u = curl_url();
	char	   *scheme = NULL,
			   *host = NULL,
			   *port = NULL,
			   *path = NULL;
	bool		ok = false;

	memset(out, 0, sizeof(CrUrl));
	if (u == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory parsing a URL")));
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK &&
		(pg_strcasecmp(scheme, "https") == 0 || pg_strcasecmp(scheme, "http") == 0))
	{
		char	   *s;
		int			default_port;

		out->scheme = pstrdup(scheme);
		for (s = out->scheme; *s; s++)
			*s = pg_tolower((unsigned char) *s);
		out->host = pstrdup(host);
		out->port = atoi(port);
		out->path = pstrdup(path[0] ? path : "/");
		default_port = strcmp(out->scheme, "https") == 0 ? 443 : 80;
		out->host_header = out->port == default_port ? pstrdup(host) :
			psprintf("%s:%d", host, out->port);
		ok = true;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return ok;
}

/*
 * Does url have the scheme, host and port of base?  Host names compare
 * without regard to case, as DNS does; nothing is resolved.
 */
bool
cr_url_same_origin(const char *url, const char *base)
{
	CrUrl		a,
				b;

	if (!cr_url_split(url, &a) || !cr_url_split(base, &b))
		return false;
	return strcmp(a.scheme, b.scheme) == 0 &&
		pg_strcasecmp(a.host, b.host) == 0 &&
		a.port == b.port;
}
