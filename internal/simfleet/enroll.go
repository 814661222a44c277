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
// enroll` and `unbind-agent enroll` would: a one-time token minted through
// the API with token (an operator's API token), traded by the agent. An
// empty apiURL leaves the phones unenrolled.
func EnrollVia(apiURL, token string) func(context.Context, string) (agent.Enrollment, error) {
	if apiURL == "" {
		return nil
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	client := api.NewClient(apiURL, hc).WithToken(token)
	return func(ctx context.Context, id string) (agent.Enrollment, error) {
		tok, err := client.NewEnrollmentToken(ctx, 0)
		if err != nil {
			return agent.Enrollment{}, fmt.Errorf("token for %s: %w", id, err)
		}
		return agent.Enroll(ctx, hc, apiURL, tok.Token, id)
	}
}
