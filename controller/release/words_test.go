package release

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestEveryStageReads: every stage has words; every stage where someone
// must act, and every reason a hold is put on by itself, has an
// instruction; finished stages ask nothing of anyone.
func TestEveryStageReads(t *testing.T) {
	for _, s := range []Stage{StageVerify, StageSignOut, StageFindDevice, StageReset, StageWaitingForReset,
		StageReleased, StageFailed, StageCanceled, StageOnHold} {
		assert.NotContains(t, Words(string(s)), "_", "%s has words", s)
	}
	for _, tc := range []struct {
		stage, hold string
		says        string
	}{
		{string(StageSignOut), "", "Tell the person at the phone: sign out"},
		{string(StageFindDevice), "", "switch Find Device off"},
		{string(StageWaitingForReset), "", "unbind release confirm r-42`"},
		{string(StageFailed), "", "read the reason"},
		{string(StageOnHold), "operator: owner on holiday", "owner on holiday"},
		{string(StageOnHold), "something new", "goes on by itself"},
	} {
		assert.Contains(t, Instruction(tc.stage, tc.hold, "r-42"), tc.says, "%s %s", tc.stage, tc.hold)
	}
	for _, h := range HoldReasons {
		assert.NotEmpty(t, holdInstructions[h], "hold reason %s has an instruction", h)
	}
	assert.Empty(t, Instruction(string(StageReleased), "", "r-42"))
	assert.Empty(t, Instruction(string(StageCanceled), "", "r-42"))
	assert.Equal(t, "some new stage", Words("some_new_stage"))
}
