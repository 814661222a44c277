package simfleet

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/api"
)

// EnrollVia enrolls each phone with the controller at apiURL as `unbind
// enroll --replace ID` and `unbind-agent enroll` would: a one-time token
// minted through the API with token (an operator's API token) for that phone's ID, traded by the agent. The
// token may replace earlier credentials (audited), so that a simulator run
// again against the same controller, whose phones forgot theirs, still
// starts. An empty apiURL leaves the phones unenrolled.
func EnrollVia(apiURL, token string) func(context.Context, string) (agent.Enrollment, error) {
	if apiURL == "" {
		return nil
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	client := api.NewClient(apiURL, hc).WithToken(token)
	return func(ctx context.Context, id string) (agent.Enrollment, error) {
		tok, err := client.MintEnrollmentToken(ctx, api.TokenRequest{DeviceID: id, Replace: true, Note: "simulated phone"})
		if err != nil {
			return agent.Enrollment{}, fmt.Errorf("token for %s: %w", id, err)
		}
		return agent.Enroll(ctx, hc, apiURL, tok.Token, id)
	}
}
