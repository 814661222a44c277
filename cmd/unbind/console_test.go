package main

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/internal/cli"
)

func TestConsoleLink(t *testing.T) {
	c := controllertest.Start(t)
	t.Setenv(cli.TokenEnv, controllertest.Token(t, c, controller.RoleViewer))
	io, out, errb := testStreams()
	require.NoError(t, consoleRun(context.Background(), io, &consoleOptions{API: c.APIURL()}))
	link := strings.TrimSpace(out.String())
	assert.True(t, strings.HasPrefix(link, c.APIURL()+"/login/link?code="), link)
	assert.Contains(t, errb.String(), "two minutes")

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	resp, err := (&http.Client{Jar: jar}).Get(link)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the link opens its confirmation page")

	t.Setenv(cli.TokenEnv, "revoked-or-wrong")
	err = consoleRun(context.Background(), io, &consoleOptions{API: c.APIURL()})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the API token is unknown or revoked", "the controller's own words, through api.Client")
}
