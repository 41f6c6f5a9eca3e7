export function chromiumPath(): string;
export function browserProblem(): string | undefined;
