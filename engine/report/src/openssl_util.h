// Internal: OpenSSL 3 helpers shared by keys.cpp and badge.cpp (RAII owners, RSA <-> JWK).
#pragma once
#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace smp::report::ossl {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// The last OpenSSL error as text (and clears the queue).
std::string last_error();
Pkey generate_rsa(int bits);
std::string private_pem(EVP_PKEY* key);        // PKCS#8, unencrypted
Pkey load_private_pem(std::string_view pem);   // nullptr on failure (never prompts)
nlohmann::json rsa_public_jwk(EVP_PKEY* key);  // {"kty":"RSA","n","e"}; null on failure
Pkey rsa_from_jwk(const nlohmann::json& jwk);  // nullptr on failure
// RSASSA-PKCS1-v1_5 with SHA-256 (JWS "RS256"). Empty string on failure.
std::string rs256_sign(EVP_PKEY* key, std::string_view data);
bool rs256_verify(EVP_PKEY* key, std::string_view data, std::string_view signature);

}  // namespace smp::report::ossl
