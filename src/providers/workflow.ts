// Placeholder until the workflow adapter lands (issue 3).
export {};
