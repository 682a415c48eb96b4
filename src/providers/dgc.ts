// Placeholder until the dgc adapter lands (issue 3).
export {};
