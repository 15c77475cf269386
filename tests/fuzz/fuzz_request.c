/*
 * fuzz_request: request_parse on arbitrary bytes, read as the
 * NUL-terminated string sshd would put in SSH_ORIGINAL_COMMAND. Beyond
 * memory errors it checks the parser's promises and abort()s when one is
 * broken, so the fuzzer reports it:
 * - a refused byte, an over-long request or too many words never parse;
 * - on success the verb is a real verb, the machine name is there exactly
 *   when the verb takes one and passes name_valid, so is the second word
 *   (MEDIA, KEYS) of the verbs that take one, and every option belongs to
 *   the verb;
 * - on failure the reason is non-empty printable ASCII (it reaches the
 *   tenant's terminal) and a machine name left set is a valid one;
 * - the reason never writes past the buffer it is given, however small.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmgate/request.h"
#include "vmgate/util.h"
#include "vmgate/verb.h"

#include "fuzz.h"

#define REASON_MAX	256
#define SMALL_REASON	16	/* exact-size buffers up to this length */
#define MAX_PORT	65535
#define FORBIDDEN	";&|$`<>(){}[]*?!~'\"\\"

/* What the spec says about the raw bytes alone: refused, or maybe fine. */
static bool
must_refuse(const char *s)
{
	size_t len = strlen(s), words = 0, i;
	bool in_word = false;

	if (len > MAX_REQUEST)
		return true;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e || strchr(FORBIDDEN, c) != NULL)
			return true;
		if (c != ' ' && !in_word)
			words++;
		in_word = c != ' ';
	}
	return words > MAX_WORDS;
}

static bool
printable(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	}
	return true;
}

static void
check_success(const struct request *req)
{
	unsigned v;

	CHECK(req->verb > VERB_NONE && req->verb < VERB_COUNT);
	v = (unsigned)req->verb;
	if (verb_needs_domain(req->verb)) {
		CHECK(req->domain != NULL);
		CHECK(name_valid(req->domain));
	} else
		CHECK(req->domain == NULL);
	if (v == VERB_INSERT || v == VERB_SENDKEY) {
		CHECK(req->arg != NULL);
		CHECK(name_valid(req->arg));
	} else
		CHECK(req->arg == NULL);
	if (req->json)
		CHECK(v == VERB_LIST || v == VERB_STATUS || v == VERB_MEDIA);
	if (req->cdrom)
		CHECK(v == VERB_START);
	if (req->force)
		CHECK(v == VERB_CONSOLE);
	if (req->vv || req->no_wait || req->port != 0)
		CHECK(v == VERB_SPICE);
	CHECK(req->port >= 0 && req->port <= MAX_PORT);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request req;
	char reason[REASON_MAX], *cmd, *small;
	size_t small_len;
	int r, r2;

	cmd = xmalloc(size + 1);
	memcpy(cmd, data, size);
	cmd[size] = '\0';

	r = request_parse(cmd, &req, reason, sizeof(reason));
	if (r == 0) {
		CHECK(!must_refuse(cmd));
		check_success(&req);
	} else {
		CHECK(r == -1);
		CHECK(reason[0] != '\0');
		CHECK(printable(reason));
		if (req.domain != NULL)
			CHECK(name_valid(req.domain));
		if (req.arg != NULL)
			CHECK(name_valid(req.arg));
	}
	if (must_refuse(cmd))
		CHECK(r == -1);
	request_clear(&req);
	CHECK(req.domain == NULL && req.arg == NULL);

	/* the same request into an exact-size reason buffer: ASan sees
	 * any write past it, and the answer must not change */
	small_len = size > 0 ? data[0] % SMALL_REASON : 0;
	small = small_len > 0 ? xmalloc(small_len) : NULL;
	r2 = request_parse(cmd, &req, small, small_len);
	CHECK(r2 == r);
	if (small_len > 0 && r2 != 0)
		CHECK(memchr(small, '\0', small_len) != NULL);
	request_clear(&req);
	free(small);
	free(cmd);
	return 0;
}
