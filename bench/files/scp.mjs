/**
 * OpenSSH `scp` (SFTP protocol) with `-c aes256-gcm@openssh.com` to an sshd
 * that this run starts on 127.0.0.1 only, with a temporary config, host key
 * and client key (needs root and openssh-server: `apt-get install -y
 * openssh-server`). Timed from the scp command's start to its exit.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { finished, freePort, listening, start } from "../lib/files-tools.mjs";

const SSHD = ["/usr/sbin/sshd", "/usr/bin/sshd"].find((path) => existsSync(path));

export default {
  name: "scp",
  label: "scp (aes256-gcm)",
  notes: [
    "OpenSSH scp -c aes256-gcm@openssh.com (-r for folders) to a local sshd on 127.0.0.1; no fsync",
  ],
  kinds: ["file", "tree"],
  async setup(scratch) {
    if (SSHD === undefined)
      throw new Error("sshd not installed (apt-get install -y openssh-server)");
    if (process.getuid?.() !== 0) throw new Error("needs root to run a private sshd");
    const dir = join(scratch, "sshd");
    await mkdir(dir, { recursive: true });
    await mkdir("/run/sshd", { recursive: true }); // privilege separation folder
    for (const key of ["host", "client"]) {
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, key)]);
    }
    execFileSync("cp", [join(dir, "client.pub"), join(dir, "authorized_keys")]);
    const port = await freePort();
    const config = [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${join(dir, "host")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "PermitRootLogin prohibit-password",
      "Ciphers aes256-gcm@openssh.com",
      "Subsystem sftp internal-sftp",
    ];
    await writeFile(join(dir, "sshd_config"), `${config.join("\n")}\n`);
    const sshd = start(SSHD, ["-D", "-e", "-f", join(dir, "sshd_config")]);
    await listening(port);
    const version = execFileSync("ssh", ["-V"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { dir, port, sshd, version: version.trim() };
  },
  async run(state, job) {
    const args = [
      ...[
        "-q",
        "-c",
        "aes256-gcm@openssh.com",
        "-P",
        String(state.port),
        "-i",
        join(state.dir, "client"),
      ],
      ...[
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
      ],
      ...(job.kind === "tree" ? ["-r"] : []),
      job.src,
      `root@127.0.0.1:${job.out}/`,
    ];
    const started = performance.now();
    const scp = start("scp", args);
    await finished(scp, "scp", job.timeoutMs);
    return { ms: performance.now() - started };
  },
  async teardown(state) {
    state.sshd.kill();
  },
};
