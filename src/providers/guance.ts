// Placeholder until the guance adapter lands (issue 3).
export {};
