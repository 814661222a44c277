// Package api is the controller's HTTP API as its clients see it: the paths,
// the JSON request and response types, and one typed Client. The CLI, the
// agent's enrollment and the simulator all call the controller through it;
// the controller's handlers (controller/httpapi) answer with these types,
// converting from the registry's storage structs, so a schema change is not
// an API change.
//
// It imports only protocol and the standard library, so the agent may use it
// without linking anything of the controller.
package api
