// Placeholder until the edge adapter lands (issue 3).
export {};
