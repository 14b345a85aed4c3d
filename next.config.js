/** @type {import('next').NextConfig} */
const nextConfig = {
  // pg and the Prisma adapter stay plain Node modules on the server.
  serverExternalPackages: ["pg", "@prisma/adapter-pg", "@electric-sql/pglite", "@electric-sql/pglite-socket", "@zxcvbn-ts/language-common"],
  experimental: {
    // Enables forbidden(): a signed-in user without the role gets a 403 page.
    authInterrupts: true,
  },
  poweredByHeader: false,
};

export default nextConfig;
