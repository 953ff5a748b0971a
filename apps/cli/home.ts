// One definition of $ORION_HOME for the CLI and the services it starts.
export { orionHome } from "../api/home.ts";
