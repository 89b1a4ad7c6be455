// Placeholder until the AssemblyScript backend lands: nothing to compile yet.
