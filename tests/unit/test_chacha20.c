/*
 * chacha20: the test vectors of RFC 8439 (block function 2.3.2,
 * encryption 2.4.2, appendix A.1 block functions #1-#5 and A.2 encryption
 * #1-#3), written out as hex from the RFC.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <carapace/chacha20.h>

static void from_hex(const char *hex, uint8_t *out, size_t len)
{
	assert_int_equal(strlen(hex), 2 * len);
	for (size_t i = 0; i < len; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* RFC 8439 2.4.2 and A.2's plaintexts. */
static const char sunscreen[] =
	"Ladies and Gentlemen of the class of '99: If I could offer you only one "
	"tip for the future, sunscreen would be it.";
static const char ietf[] =
	"Any submission to the IETF intended by the Contributor for publication "
	"as all or part of an IETF Internet-Draft or RFC and any statement made "
	"within the context of an IETF activity is considered an \"IETF "
	"Contribution\". Such statements include oral statements in IETF "
	"sessions, as well as written and electronic communications made at any "
	"time or place, which are addressed to";
static const char jabberwocky[] =
	"'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\n"
	"All mimsy were the borogoves,\nAnd the mome raths outgrabe.";

struct vector {
	const char *name;
	const char *key, *nonce;
	uint32_t counter;
	const char *plaintext; /* NULL: len zero bytes */
	size_t len;
	const char *out;       /* key stream block, or ciphertext */
};

static const struct vector vectors[] = {
	{ "2.3.2 block", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "000000090000004a00000000", 1, NULL, 64,
		"10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
		"d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e" },
	{ "A.1 #1", "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", 0, NULL, 64,
		"76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
		"da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586" },
	{ "A.1 #2", "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", 1, NULL, 64,
		"9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed"
		"29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f" },
	{ "A.1 #3", "0000000000000000000000000000000000000000000000000000000000000001", "000000000000000000000000", 1, NULL, 64,
		"3aeb5224ecf849929b9d828db1ced4dd832025e8018b8160b82284f3c949aa5a"
		"8eca00bbb4a73bdad192b5c42f73f2fd4e273644c8b36125a64addeb006c13a0" },
	{ "A.1 #4", "00ff000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", 2, NULL, 64,
		"72d54dfbf12ec44b362692df94137f328fea8da73990265ec1bbbea1ae9af0ca"
		"13b25aa26cb4a648cb9b9d1be65b2c0924a66c54d545ec1b7374f4872e99f096" },
	{ "A.1 #5", "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000002", 0, NULL, 64,
		"c2c64d378cd536374ae204b9ef933fcd1a8b2288b3dfa49672ab765b54ee27c7"
		"8a970e0e955c14f3a88e741b97c286f75f8fc299e8148362fa198a39531bed6d" },
	{ "2.4.2 encryption", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "000000000000004a00000000", 1, sunscreen,
	  sizeof(sunscreen) - 1,
		"6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
		"f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
		"07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
		"5af90bbf74a35be6b40b8eedf2785e42874d" },
	/* A.2 #1 (64 zero bytes encrypted) is A.1 #1 above, which test_vectors_xor
	 * also runs as an encryption of zeros: not repeated. */
	{ "A.2 #2", "0000000000000000000000000000000000000000000000000000000000000001", "000000000000000000000002", 1, ietf, sizeof(ietf) - 1,
		"a3fbf07df3fa2fde4f376ca23e82737041605d9f4f4f57bd8cff2c1d4b7955ec"
		"2a97948bd3722915c8f3d337f7d370050e9e96d647b7c39f56e031ca5eb6250d"
		"4042e02785ececfa4b4bb5e8ead0440e20b6e8db09d881a7c6132f420e527950"
		"42bdfa7773d8a9051447b3291ce1411c680465552aa6c405b7764d5e87bea85a"
		"d00f8449ed8f72d0d662ab052691ca66424bc86d2df80ea41f43abf937d3259d"
		"c4b2d0dfb48a6c9139ddd7f76966e928e635553ba76c5c879d7b35d49eb2e62b"
		"0871cdac638939e25e8a1e0ef9d5280fa8ca328b351c3c765989cbcf3daa8b6c"
		"cc3aaf9f3979c92b3720fc88dc95ed84a1be059c6499b9fda236e7e818b04b0b"
		"c39c1e876b193bfe5569753f88128cc08aaa9b63d1a16f80ef2554d7189c411f"
		"5869ca52c5b83fa36ff216b9c1d30062bebcfd2dc5bce0911934fda79a86f6e6"
		"98ced759c3ff9b6477338f3da4f9cd8514ea9982ccafb341b2384dd902f3d1ab"
		"7ac61dd29c6f21ba5b862f3730e37cfdc4fd806c22f221" },
	{ "A.2 #3", "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0", "000000000000000000000002", 42, jabberwocky, sizeof(jabberwocky) - 1,
		"62e6347f95ed87a45ffae7426f27a1df5fb69110044c0d73118effa95b01e5cf"
		"166d3df2d721caf9b21e5fb14c616871fd84c54f9d65b283196c7fe4f60553eb"
		"f39c6402c42234e32a356b3e764312a61a5532055716ead6962568f87d3f3f77"
		"04c6a8d1bcd1bf4d50d6154b6da731b187b58dfd728afa36757a797ac188d1" },
};

#define NVECTORS (sizeof(vectors) / sizeof(vectors[0]))

static void load(const struct vector *v, uint8_t key[32], uint8_t nonce[12],
		 uint8_t *in, uint8_t *want)
{
	from_hex(v->key, key, 32);
	from_hex(v->nonce, nonce, 12);
	if (v->plaintext)
		memcpy(in, v->plaintext, v->len);
	else
		memset(in, 0, v->len);
	from_hex(v->out, want, v->len);
}

static void test_vectors_xor(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVECTORS; i++) {
		const struct vector *v = &vectors[i];
		uint8_t key[32], nonce[12], in[512], want[512], got[512];

		assert_true(v->len <= sizeof(in));
		load(v, key, nonce, in, want);
		chacha20_xor(key, v->counter, nonce, in, got, v->len);
		if (memcmp(got, want, v->len) != 0)
			fail_msg("vector %s: wrong ciphertext", v->name);
		/* Decryption is the same operation, in place. */
		chacha20_xor(key, v->counter, nonce, got, got, v->len);
		assert_memory_equal(got, in, v->len);
	}
}

/* The block function alone, on the vectors that are one key stream block. */
static void test_vectors_block(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVECTORS; i++) {
		const struct vector *v = &vectors[i];
		uint8_t key[32], nonce[12], in[512], want[512], got[64];

		if (v->plaintext || v->len != 64)
			continue;
		load(v, key, nonce, in, want);
		chacha20_block(key, v->counter, nonce, got);
		if (memcmp(got, want, 64) != 0)
			fail_msg("vector %s: wrong block", v->name);
	}
}

/* A NULL input gives the key stream; a stream crosses blocks correctly. */
static void test_keystream_across_blocks(void **state)
{
	uint8_t key[32] = { 7 }, nonce[12] = { 9 }, stream[200], block[64];

	(void)state;
	chacha20_xor(key, 5, nonce, NULL, stream, sizeof(stream));
	for (uint32_t b = 0; b < 3; b++) {
		chacha20_block(key, 5 + b, nonce, block);
		assert_memory_equal(stream + 64 * b, block, 64);
	}
	chacha20_block(key, 8, nonce, block);
	assert_memory_equal(stream + 192, block, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_xor),
		cmocka_unit_test(test_vectors_block),
		cmocka_unit_test(test_keystream_across_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
