package console_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/console"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/protocol"
)

func fleetPhones() []phone {
	return []phone{
		{id: "safe-1", serial: "SAFE1", maker: "Xiaomi", model: "Redmi Note 12", online: true},
		{id: "bound-1", serial: "BOUND1", maker: "Xiaomi", model: "13", online: true, kinds: []protocol.RiskKind{protocol.RiskMiAccount, protocol.RiskFindDevice}},
		{id: "unk-1", serial: "UNK1", maker: "samsung", model: "S21", online: true, unknown: true},
		{id: "new-1", serial: "", maker: "", online: true, noState: true},
		{id: "off-1", serial: "OFF1", maker: "Google", model: "Pixel 7", online: false},
		{id: "xss-1", serial: `<script>alert("x")</script>`, maker: `<b>evil</b>`, model: `"><img src=x onerror=alert(1)>`, online: true},
	}
}

func TestFleet(t *testing.T) {
	c := controllertest.Start(t)
	seed(t, c, fleetPhones()...)
	b := as(t, c, controller.RoleViewer)

	status, body := b.get("/")
	require.Equal(t, http.StatusOK, status)
	for _, want := range []string{
		`<span class="n">2</span> safe`, `<span class="n">1</span> not safe`, `<span class="n">2</span> could not tell`, `<span class="n">1</span> offline`,
		"BOUND1", "Mi account signed in", "Find Device on", "Sign out of the Mi account",
		"UNK1", "a check could not finish", "Wait for the phone&#39;s first check",
		"last known: safe", "Connect the phone and start its agent",
	} {
		assert.Contains(t, body, want)
	}
	assert.Equal(t, 1, count(body, `<span class="badge v-at_risk">not safe</span>`))
	// Attacker-controlled fields are escaped.
	assert.NotContains(t, body, `<script>alert`)
	assert.NotContains(t, body, `<b>evil</b>`)
	assert.NotContains(t, body, `<img src=x`)
	assert.Contains(t, body, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`)

	tests := []struct {
		query     string
		want, not []string
	}{
		{"verdict=at_risk", []string{"BOUND1"}, []string{"SAFE1", "UNK1", "OFF1"}},
		{"verdict=offline", []string{"OFF1"}, []string{"SAFE1", "BOUND1"}},
		{"online=no", []string{"OFF1"}, []string{"SAFE1"}},
		{"online=yes&verdict=safe", []string{"SAFE1"}, []string{"OFF1", "BOUND1"}},
		{"maker=xiaomi", []string{"SAFE1", "BOUND1"}, []string{"UNK1", "OFF1"}},
		{"q=bound", []string{"BOUND1"}, []string{"SAFE1"}},
		{"release=none", []string{"SAFE1", "BOUND1"}, nil},
		{"release=running", nil, []string{"SAFE1", "BOUND1"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			status, body := b.get("/?" + tt.query)
			require.Equal(t, http.StatusOK, status)
			for _, w := range tt.want {
				assert.Contains(t, body, ">"+w+"<")
			}
			for _, n := range tt.not {
				assert.NotContains(t, body, ">"+n+"<")
			}
		})
	}
}

func TestFleetPages(t *testing.T) {
	c := controllertest.Start(t)
	var ps []phone
	for i := range console.PageSize + 5 {
		ps = append(ps, phone{id: fmt.Sprintf("p%04d", i), serial: fmt.Sprintf("S%04d", i), online: true})
	}
	seed(t, c, ps...)
	b := as(t, c, controller.RoleViewer)
	_, body := b.get("/")
	assert.Equal(t, console.PageSize, count(body, `class="tile `))
	assert.Contains(t, body, "Page 1 of 2")
	assert.Contains(t, body, `href="/?page=2"`)
	_, body = b.get("/?page=2")
	assert.Equal(t, 5, count(body, `class="tile `))
	assert.Contains(t, body, ">S0104<")
	_, body = b.get("/?page=99")
	assert.Contains(t, body, "Page 2 of 2", "a page past the end shows the last")
}

func TestPhone(t *testing.T) {
	c := controllertest.Start(t)
	seed(t, c, fleetPhones()...)
	b := as(t, c, controller.RoleViewer)
	status, body := b.get("/phones/bound-1")
	require.Equal(t, http.StatusOK, status)
	for _, want := range []string{"BOUND1", "not safe", "mi_account", "What to do next", "State history", "Presence history", "Commands", "Audit trail", "None yet"} {
		assert.Contains(t, body, want)
	}
	_, body = b.get("/phones/xss-1")
	assert.NotContains(t, body, "<script>alert")
	status, _ = b.get("/phones/nope")
	assert.Equal(t, http.StatusNotFound, status)
	status, _ = b.get("/phones/bound-1/certificate")
	assert.Equal(t, http.StatusNotFound, status, "no certificate yet")
	status, _ = b.get("/phones/bound-1/certificate.json")
	assert.Equal(t, http.StatusNotFound, status)

	status, body = b.get("/fragments/phone/bound-1")
	require.Equal(t, http.StatusOK, status)
	assert.True(t, strings.HasPrefix(body, `<section class="phone-live`), body)
	status, body = b.get("/fragments/tile/bound-1")
	require.Equal(t, http.StatusOK, status)
	assert.True(t, strings.HasPrefix(body, `<li class="tile v-at_risk"`), body)
	status, _ = b.get("/fragments/tile/nope")
	assert.Equal(t, http.StatusNotFound, status)
	status, body = b.get("/bench")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "BOUND1")
	status, body = b.get("/fragments/counts")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `<span class="n">6</span> in all`)
}

// TestCountsAgree: the counts fragment (from the summary) says what the
// fleet page (from every phone) says.
func TestCountsAgree(t *testing.T) {
	c := controllertest.Start(t)
	seed(t, c, append(fleetPhones(),
		phone{id: "off-2", serial: "OFF2", online: false, kinds: []protocol.RiskKind{protocol.RiskGoogleFRP}},
		phone{id: "off-3", serial: "OFF3", online: false, noState: true},
		phone{id: "off-4", serial: "OFF4", online: false, unknown: true})...)
	b := as(t, c, controller.RoleViewer)
	_, page := b.get("/")
	_, frag := b.get("/fragments/counts")
	start := strings.Index(page, `<ul class="counts"`)
	require.GreaterOrEqual(t, start, 0)
	end := strings.Index(page[start:], "</ul>")
	assert.Equal(t, strings.TrimSpace(page[start:start+end+5]), strings.TrimSpace(frag))
	assert.Contains(t, frag, `<span class="n">4</span> offline`)
}

func TestAssetsEmbedded(t *testing.T) {
	c := controllertest.Start(t)
	for _, p := range []string{"/assets/console.css", "/assets/console.js"} {
		resp, err := http.Get(c.APIURL() + p)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, p)
	}
	resp, err := http.Get(c.APIURL() + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the API keeps its paths")
}
