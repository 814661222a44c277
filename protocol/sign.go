package protocol

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrBadSignature: a command is unsigned, or its signature does not match
// the key the agent trusts.
var ErrBadSignature = errors.New("bad command signature")

// commandSigContext is prepended to what is signed, so that a signature made
// by the same key over another kind of document (a release certificate) can
// never pass as the signature of a command, nor the other way round.
const commandSigContext = "unbind command signature v1\n"

// maxSigLen bounds Command.Sig; an ed25519 signature is 88 base64 characters.
const maxSigLen = 128

// CommandSigningBytes is what SignCommand signs: a fixed context line, then
// the JSON encoding of cmd with Sig empty. encoding/json writes struct fields
// in declaration order, so the encoding is deterministic, and it is computed
// from the decoded values: whatever spelling arrived on the wire, the bytes
// verified are those of the command the agent is about to act on.
func CommandSigningBytes(cmd Command) ([]byte, error) {
	cmd.Sig = ""
	b, err := json.Marshal(cmd)
	if err != nil {
		return nil, fmt.Errorf("signing bytes of command %s: %w", cmd.ID, err)
	}
	return append([]byte(commandSigContext), b...), nil
}

// SignCommand returns cmd signed with priv. A command that cannot be encoded
// (a time outside years 0-9999, which Encode refuses as well) is returned
// unsigned, and so is rejected by every agent.
func SignCommand(cmd Command, priv ed25519.PrivateKey) Command {
	cmd.Sig = ""
	if len(priv) != ed25519.PrivateKeySize {
		return cmd
	}
	msg, err := CommandSigningBytes(cmd)
	if err != nil {
		return cmd
	}
	cmd.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(priv, msg))
	return cmd
}

// VerifyCommand checks that cmd carries a valid signature by pub. Any
// failure, including a missing key, wraps ErrBadSignature.
func VerifyCommand(cmd Command, pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: no valid controller key to check command %s against", ErrBadSignature, cmd.ID)
	}
	if cmd.Sig == "" {
		return fmt.Errorf("%w: command %s is unsigned", ErrBadSignature, cmd.ID)
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(cmd.Sig)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: command %s: signature is not %d bytes of base64", ErrBadSignature, cmd.ID, ed25519.SignatureSize)
	}
	msg, err := CommandSigningBytes(cmd)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	if !ed25519.Verify(pub, msg, sig) {
		return fmt.Errorf("%w: command %s was not signed by the trusted controller key", ErrBadSignature, cmd.ID)
	}
	return nil
}
