package console

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// A Discord access token is stored sealed (AES-256-GCM under a key derived
// from the session secret), so that a copy of the database alone does not
// hold usable tokens.

func (s *Server) aead() cipher.AEAD {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("citebot console access token key"))
	block, _ := aes.NewCipher(m.Sum(nil)) // a 32-byte key never fails
	g, _ := cipher.NewGCM(block)
	return g
}

// seal encrypts a token for storage.
func (s *Server) seal(token string) string {
	g := s.aead()
	nonce := make([]byte, g.NonceSize())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(g.Seal(nonce, nonce, []byte(token), nil))
}

// errUnsealable means a stored token was sealed under another secret.
var errUnsealable = errors.New("stored access token cannot be opened with this session secret")

// unseal decrypts a stored token.
func (s *Server) unseal(stored string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(stored)
	g := s.aead()
	if err != nil || len(b) < g.NonceSize() {
		return "", errUnsealable
	}
	plain, err := g.Open(nil, b[:g.NonceSize()], b[g.NonceSize():], nil)
	if err != nil {
		return "", errUnsealable
	}
	return string(plain), nil
}
