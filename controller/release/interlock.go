package release

import (
	"errors"
	"fmt"
	"time"

	"github.com/unbind/unbind/protocol"
)

// ErrNotSafe is returned for a factory reset of a phone whose latest report
// is not a fresh, verified "safe".
var ErrNotSafe = errors.New("not verified safe to reset")

// ResetAllowed is the controller's half of the reset interlock, the one rule
// every factory reset passes, whoever asks for it: the phone's latest report
// (received at reportAt) must be safe, with no risk at all, and no older than
// maxAge at now by the controller's clock. The agent checks again on the
// phone, by its own rule.
func ResetAllowed(rep *protocol.Report, reportAt, now time.Time, maxAge time.Duration) error {
	switch {
	case rep == nil:
		return fmt.Errorf("%w: no report", ErrNotSafe)
	case !rep.SafeToReset || len(rep.Risks) > 0 || rep.Verdict() != protocol.VerdictSafe:
		return fmt.Errorf("%w: latest report is %s", ErrNotSafe, rep.Verdict())
	case rep.Catalogue < protocol.CatalogueRevision:
		return fmt.Errorf("%w: %s", ErrNotSafe, OldAgentReason(rep))
	case now.Sub(reportAt) > maxAge:
		return fmt.Errorf("%w: latest report is %s old", ErrNotSafe, now.Sub(reportAt).Round(time.Second))
	}
	return nil
}

// OldAgentReason says why a safe report of an agent that judged with an
// older lock catalogue allows no reset.
func OldAgentReason(rep *protocol.Report) string {
	return fmt.Sprintf("the phone's agent judged with lock catalogue revision %d, older than %d: "+
		"it cannot rule out the locks added since; update the agent", rep.Catalogue, protocol.CatalogueRevision)
}
