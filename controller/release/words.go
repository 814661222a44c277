package release

import "strings"

// stageText is how one stage reads to people: its words, and what the
// operator or the person at the phone must do in it ("" when nothing).
type stageText struct {
	words, instruction string
}

// stageTexts is the one table of stage words and instructions: the console,
// the API (Release.instruction) and `unbind release --wait` all read it.
var stageTexts = map[Stage]stageText{
	StageVerify: {"verifying",
		"Keep the phone connected with its agent running while it is checked."},
	StageSignOut: {"waiting for the person",
		"Tell the person at the phone: sign out of the account the phone shows on its screen (they need its password)."},
	StageFindDevice: {"waiting for the person",
		"Tell the person at the phone: switch Find Device off on the screen the phone shows (they need the account's password)."},
	StageReset: {"resetting",
		"The factory reset was sent: leave the phone connected until it restarts."},
	StageWaitingForReset: {"reset screen open on the phone: waiting for the person to confirm the reset",
		"Tell the person at the phone: confirm the reset on the screen it shows. Once the phone shows the first-boot setup screen, " +
			"confirm it with `unbind release confirm RELEASE_ID` (or on the phone's page in the console)."},
	StageReleased: {"released", ""},
	StageFailed: {"failed",
		"The phone was not reset: read the reason, fix what it names, and start a new release."},
	StageCanceled: {"canceled", ""},
	StageOnHold:   {"on hold: it goes on once the phone shows clean", ""},
}

// holdInstructions says what to do for a release on hold, by why it waits.
var holdInstructions = map[string]string{
	HoldWaitingForPerson: "The person at the phone left before signing out: bring the phone back to them (or them to it); " +
		"the release goes on by itself once it shows clean.",
	HoldRemoteUnlink: "The previous owner must remove the phone from their account remotely (send them the phone's unlink sheet " +
		"from the console's On hold page); the release goes on by itself once the phone shows clean.",
	HoldAccountDeletion: "The owner's account is being deleted, which takes about 30 days: wait; the release goes on by itself " +
		"once the phone shows clean.",
	HoldOrganisation: "The company or financer that manages the phone must release it; the release goes on by itself once " +
		"the phone shows clean.",
	HoldCouldNotTell: "The phone could not be read: check its cable and that its agent runs; it is checked again on each report.",
}

// Words is a stage as the operator reads it.
func Words(stage string) string {
	if t, ok := stageTexts[Stage(stage)]; ok {
		return t.words
	}
	return strings.ReplaceAll(stage, "_", " ")
}

// releaseIDPlaceholder stands in an instruction for the release's ID.
const releaseIDPlaceholder = "RELEASE_ID"

// Instruction says, in plain words, what the operator or the person at the
// phone must do for release id in stage (with holdReason when it is on
// hold), or "" when nobody needs to do anything.
func Instruction(stage, holdReason, id string) string {
	if Stage(stage) != StageOnHold {
		return strings.ReplaceAll(stageTexts[Stage(stage)].instruction, releaseIDPlaceholder, id)
	}
	if note, ok := strings.CutPrefix(holdReason, holdOperatorPrefix); ok {
		return "An operator put it on hold (" + note + "); it goes on by itself once the phone shows clean."
	}
	if s, ok := holdInstructions[holdReason]; ok {
		return s
	}
	return "On hold: it goes on by itself once the phone shows clean."
}
