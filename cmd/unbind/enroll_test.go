package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
)

func TestEnrollPrintsAUsableToken(t *testing.T) {
	c := controllertest.Start(t)
	ctx := context.Background()

	io, out, _ := testStreams()
	require.NoError(t, enrollRun(ctx, io, &enrollOptions{API: c.APIURL(), TTL: controller.DefaultEnrollmentTTL, Output: "json"}))
	var tok controller.EnrollmentToken
	require.NoError(t, json.Unmarshal(out.Bytes(), &tok))
	_, err := agent.Enroll(ctx, nil, c.APIURL(), tok.Token, "phone-1")
	assert.NoError(t, err)

	io, out, _ = testStreams()
	require.NoError(t, enrollRun(ctx, io, &enrollOptions{API: c.APIURL(), TTL: controller.DefaultEnrollmentTTL, Output: "table"}))
	assert.Contains(t, out.String(), "unbind-agent enroll --token ")
	assert.Contains(t, out.String(), "--controller "+c.APIURL())
}

func TestEnrollFlags(t *testing.T) {
	var got *enrollOptions
	cmd := newEnrollCmd(streams{out: &bytes.Buffer{}, err: &bytes.Buffer{}}, func(_ context.Context, o *enrollOptions) error {
		got = o
		return nil
	})
	cmd.SetArgs([]string{"--ttl", "1h", "--output", "json", "--api", "http://h:1"})
	require.NoError(t, cmd.Execute())
	assert.Equal(t, "1h0m0s", got.TTL.String())
	assert.Equal(t, "http://h:1", got.API)

	cmd = newEnrollCmd(streams{out: &bytes.Buffer{}, err: &bytes.Buffer{}}, nil)
	cmd.SetArgs([]string{"--qr"})
	assert.ErrorIs(t, cmd.Execute(), errUsage, "no QR encoder without a new module")
}
