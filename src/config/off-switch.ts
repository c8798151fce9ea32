// The off switch: TALOS_AUTO_BOOTSTRAP_DISABLED=true stops the agent before
// it reads anything else (no other variable, no credentials, no network).
// Changing an ExtensionServiceConfig restarts the service, so this turns the
// agent off on a live node; removing the variable turns it back on.
import { bool, cleanEnv } from "envalid";
import { ConfigError } from "./env.js";

export const DISABLED = "TALOS_AUTO_BOOTSTRAP_DISABLED";

/** isDisabled reads only DISABLED; a value that is not a boolean throws ConfigError. */
export function isDisabled(env: NodeJS.ProcessEnv): boolean {
  const e = cleanEnv({ [DISABLED]: env[DISABLED] }, { [DISABLED]: bool({ default: false }) }, {
    reporter: ({ errors }) => {
      if (Object.keys(errors).length === 0) return;
      throw new ConfigError(`invalid configuration: ${DISABLED} must be true or false, got "${String(env[DISABLED])}"`);
    },
  });
  return e[DISABLED];
}
