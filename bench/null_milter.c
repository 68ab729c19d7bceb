/*
 * null_milter - the floor under any DKIM signer Postfix asks through a milter.
 *
 * It takes every step a signer takes: it asks Postfix for the envelope
 * sender, each header and the body, and at the end of the message inserts
 * one header where OpenDKIM puts its DKIM-Signature. Alone it computes
 * nothing, so its cost is the milter protocol's. With --sign KEY it also does
 * the cryptography a DKIM signature needs, with the key parsed once at start:
 * a SHA-256 of the body, then an RSA signature over the headers and that hash,
 * base64 in the inserted header (the size of a real signature; no
 * canonicalization, so receivers could not verify it). That is the cheapest a
 * signer can be. bench/dkim_signing.py --what-if-null-milter runs both.
 *
 * Usage: null_milter [--sign PRIVATE_KEY.pem] local:/path/to/socket
 */
#include <libmilter/mfapi.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static EVP_PKEY *signing_key; /* NULL: sign nothing */

/* One message's hashes; milter calls for one connection come in order. */
struct message {
	EVP_MD_CTX *body;
	EVP_MD_CTX *signature;
};

static void forget_message(SMFICTX *context)
{
	struct message *message = smfi_getpriv(context);

	if (message == NULL)
		return;
	EVP_MD_CTX_free(message->body);
	EVP_MD_CTX_free(message->signature);
	free(message);
	smfi_setpriv(context, NULL);
}

static sfsistat on_envfrom(SMFICTX *context, char **arguments)
{
	struct message *message;

	forget_message(context);
	if (signing_key == NULL)
		return SMFIS_CONTINUE;
	if ((message = calloc(1, sizeof(*message))) == NULL)
		return SMFIS_TEMPFAIL;
	smfi_setpriv(context, message);
	message->body = EVP_MD_CTX_new();
	message->signature = EVP_MD_CTX_new();
	if (message->body == NULL || message->signature == NULL
	    || EVP_DigestInit_ex(message->body, EVP_sha256(), NULL) != 1
	    || EVP_DigestSignInit(message->signature, NULL, EVP_sha256(), NULL, signing_key) != 1)
		return SMFIS_TEMPFAIL;
	return SMFIS_CONTINUE;
}

static sfsistat on_header(SMFICTX *context, char *name, char *value)
{
	struct message *message = smfi_getpriv(context);

	if (message != NULL
	    && (EVP_DigestSignUpdate(message->signature, name, strlen(name)) != 1
		|| EVP_DigestSignUpdate(message->signature, ":", 1) != 1
		|| EVP_DigestSignUpdate(message->signature, value, strlen(value)) != 1
		|| EVP_DigestSignUpdate(message->signature, "\r\n", 2) != 1))
		return SMFIS_TEMPFAIL;
	return SMFIS_CONTINUE;
}

static sfsistat on_eoh(SMFICTX *context)
{
	return SMFIS_CONTINUE;
}

static sfsistat on_body(SMFICTX *context, unsigned char *chunk, size_t length)
{
	struct message *message = smfi_getpriv(context);

	if (message != NULL && EVP_DigestUpdate(message->body, chunk, length) != 1)
		return SMFIS_TEMPFAIL;
	return SMFIS_CONTINUE;
}

static sfsistat on_eom(SMFICTX *context)
{
	struct message *message = smfi_getpriv(context);
	unsigned char body_hash[EVP_MAX_MD_SIZE], signature[1024];
	char value[2048] = "passed";
	unsigned int hash_length;
	size_t signature_length = sizeof(signature);
	sfsistat verdict = SMFIS_TEMPFAIL;

	if (message != NULL) {
		/* Base64 of 512 bytes (RSA-4096) is 684 characters: value holds it. */
		if (EVP_DigestFinal_ex(message->body, body_hash, &hash_length) != 1
		    || EVP_DigestSignUpdate(message->signature, body_hash, hash_length) != 1
		    || EVP_DigestSignFinal(message->signature, signature, &signature_length) != 1)
			goto done;
		strcpy(value, "v=1; a=rsa-sha256; b=");
		EVP_EncodeBlock((unsigned char *) value + strlen(value), signature, (int) signature_length);
	}
	if (smfi_insheader(context, 0, "X-Null-Milter", value) == MI_SUCCESS)
		verdict = SMFIS_CONTINUE;
done:
	forget_message(context);
	return verdict;
}

static sfsistat on_abort(SMFICTX *context)
{
	forget_message(context);
	return SMFIS_CONTINUE;
}

static sfsistat on_close(SMFICTX *context)
{
	forget_message(context);
	return SMFIS_CONTINUE;
}

static EVP_PKEY *read_key(const char *path)
{
	FILE *file = fopen(path, "r");
	EVP_PKEY *key;

	if (file == NULL) {
		perror(path);
		return NULL;
	}
	key = PEM_read_PrivateKey(file, NULL, NULL, NULL);
	fclose(file);
	if (key == NULL)
		fprintf(stderr, "%s: not a PEM private key\n", path);
	return key;
}

int main(int argc, char **argv)
{
	/* Callbacks left NULL are negotiated away: Postfix does not send those steps. */
	struct smfiDesc description = {
		.xxfi_name = "null_milter",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = SMFIF_ADDHDRS,
		.xxfi_envfrom = on_envfrom,
		.xxfi_header = on_header,
		.xxfi_eoh = on_eoh,
		.xxfi_body = on_body,
		.xxfi_eom = on_eom,
		.xxfi_abort = on_abort,
		.xxfi_close = on_close,
	};

	if (argc == 4 && strcmp(argv[1], "--sign") == 0) {
		if ((signing_key = read_key(argv[2])) == NULL)
			return 1;
		argv += 2;
		argc -= 2;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: null_milter [--sign PRIVATE_KEY.pem] local:/path/to/socket\n");
		return 2;
	}
	if (smfi_setconn(argv[1]) != MI_SUCCESS || smfi_register(description) != MI_SUCCESS)
		return 1;
	/* A socket left by an earlier run would make the bind fail. */
	if (smfi_opensocket(1) != MI_SUCCESS)
		return 1;
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
