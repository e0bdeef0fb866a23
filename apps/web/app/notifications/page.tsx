import type { Metadata } from "next";
import { NotificationSettings } from "@/components/notifications/notification-settings";
import { WalletProviders } from "@/components/wallet/wallet-providers";

export const metadata: Metadata = { title: "Notifications" };

export default function NotificationsPage() {
  return (
    <div className="space-y-6">
      <header>
        <h1 className="text-2xl font-bold">Notifications</h1>
        <p className="text-sm text-slate-400">
          Email and webhook alerts for your leases: booked, accepted or not, low balance, ending soon, closed, disputes, provider offline. Every message is
          listed below as it is delivered.
        </p>
      </header>
      <WalletProviders>
        <NotificationSettings />
      </WalletProviders>
    </div>
  );
}
