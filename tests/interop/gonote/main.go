// Command gonote opens a covergate checkpoint note with Go's reference
// implementation of signed notes, golang.org/x/mod/sumdb/note (Debian package
// golang-golang-x-mod-dev), and no covergate code.
//
// The log's verifier keys (-vkey, repeatable) go to note.Open as x/mod's own
// Ed25519 verifiers. The x/mod on disk knows no cosignature keys (type 0x04),
// so witness keys (-witness, repeatable) are verifiers written here from C2SP
// tlog-cosignature v1.0.1: the key ID is SHA-256(name || 0x0A || 0x04 || key)[:4],
// the signature an 8-byte big-endian UNIX time then an Ed25519 signature over
// "cosignature/v1\ntime <time>\n" and the note text. Lines of keys not given
// stay unverified, as note.Open does for every unknown key.
//
// Usage: gonote -vkey KEY [-vkey KEY] [-witness KEY]... NOTE_FILE
//
// Prints one JSON object: the note text, the names and key hashes that
// verified, each witness's cosignature time, and how many lines stayed
// unverified. Exits 1 with the error when note.Open fails.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

const cosignatureKeyType = 0x04

type keys []string

func (k *keys) String() string     { return strings.Join(*k, ",") }
func (k *keys) Set(v string) error { *k = append(*k, v); return nil }

// cosignatureVerifier is a note.Verifier for C2SP tlog-cosignature keys.
type cosignatureVerifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
	seen map[uint32]uint64 // the time of each verified cosignature, by key hash
}

func newCosignatureVerifier(vkey string, seen map[uint32]uint64) (*cosignatureVerifier, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return nil, errors.New("malformed witness key")
	}
	name, hexHash, b64 := parts[0], parts[1], parts[2]
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != 33 || raw[0] != cosignatureKeyType {
		return nil, errors.New("not a cosignature (0x04) key")
	}
	h := sha256.Sum256(append([]byte(name+"\n"), raw...))
	hash := binary.BigEndian.Uint32(h[:4])
	if want, err := strconv.ParseUint(hexHash, 16, 32); err != nil || uint32(want) != hash {
		return nil, errors.New("witness key hash does not match")
	}
	return &cosignatureVerifier{name, hash, ed25519.PublicKey(raw[1:]), seen}, nil
}

func (v *cosignatureVerifier) Name() string    { return v.name }
func (v *cosignatureVerifier) KeyHash() uint32 { return v.hash }
func (v *cosignatureVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	var signed bytes.Buffer
	fmt.Fprintf(&signed, "cosignature/v1\ntime %d\n", t)
	signed.Write(msg)
	if !ed25519.Verify(v.key, signed.Bytes(), sig[8:]) {
		return false
	}
	v.seen[v.hash] = t
	return true
}

func main() {
	var logKeys, witnessKeys keys
	flag.Var(&logKeys, "vkey", "the log's verifier key (repeatable)")
	flag.Var(&witnessKeys, "witness", "a witness's cosignature verifier key (repeatable)")
	flag.Parse()
	if flag.NArg() != 1 || len(logKeys) == 0 {
		fmt.Fprintln(os.Stderr, "usage: gonote -vkey KEY [-witness KEY]... NOTE_FILE")
		os.Exit(2)
	}
	msg, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var verifiers []note.Verifier
	for _, k := range logKeys {
		v, err := note.NewVerifier(k)
		if err != nil {
			fmt.Fprintln(os.Stderr, "log key:", err)
			os.Exit(2)
		}
		verifiers = append(verifiers, v)
	}
	seen := map[uint32]uint64{}
	witnesses := map[uint32]string{}
	for _, k := range witnessKeys {
		v, err := newCosignatureVerifier(k, seen)
		if err != nil {
			fmt.Fprintln(os.Stderr, "witness key:", err)
			os.Exit(2)
		}
		witnesses[v.hash] = v.name
		verifiers = append(verifiers, v)
	}
	n, err := note.Open(msg, note.VerifierList(verifiers...))
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	type sig struct {
		Name string `json:"name"`
		Hash string `json:"hash"`
	}
	out := struct {
		Text       string            `json:"text"`
		Verified   []sig             `json:"verified"`
		Cosigned   map[string]uint64 `json:"cosigned"`
		Unverified int               `json:"unverified"`
	}{Text: n.Text, Cosigned: map[string]uint64{}, Unverified: len(n.UnverifiedSigs)}
	for _, s := range n.Sigs {
		out.Verified = append(out.Verified, sig{s.Name, fmt.Sprintf("%08x", s.Hash)})
		if t, ok := seen[s.Hash]; ok && witnesses[s.Hash] == s.Name {
			out.Cosigned[s.Name] = t
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(2)
	}
}
