// What a `pj playground` command writes to (the shape of src/cli.ts's CliIo, declared here so
// the playground imports nothing from the shell that loads it).
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
}
